"""Models: the active classifier version per task, every trained version with its test metrics, and its card."""
import pandas as pd
import streamlit as st

from dashboard import auth
from dashboard.other_shops_ui import other_shops_section
from models import registry

auth.require_role("marketer")
st.title("Models")
st.caption("Review classifier versions under the Shoplens home folder. A new version becomes active only when it is "
           "not worse on the hand-read test split. A starter model (linear heads on a MiniLM encoder fine-tuned by "
           "Shoplens) ships with Shoplens and is installed on first use; `shoplens train all --mode fast` (a minute "
           "or two on 2 CPU cores once reviews are embedded) or `--mode finetune` (the full fine-tune: more accurate, "
           "about 20 minutes on 2 CPU cores) trains a new one, as does Retrain on the Feedback page.")

cols = st.columns(len(registry.TASKS))
for col, task in zip(cols, registry.TASKS, strict=True):
    act = registry.active(task)
    col.metric(f"Active {task} model", act["version"] if act else "none",
               help=f"test macro-F1 {act['metric']:.3f}, activated {act['activated_at']}" if act and act.get("metric")
               else "no model trained yet")

rows = []
for task in ("all", *registry.TASKS):
    for v in registry.versions(task):
        m = v["metrics"]
        rows.append({"task": task, "version": v["version"], "mode": v.get("mode"), "trained_at": v["trained_at"],
                     "sentiment macro-F1": (m.get("sentiment") or {}).get("macro_f1"),
                     "topic macro-F1": (m.get("topics") or {}).get("macro_f1"),
                     "held-back balanced acc.": (m.get("heldback_binary") or {}).get("balanced_accuracy"),
                     "active for": ", ".join(v["activated_for"]), "path": v["path"]})
if not rows:
    st.info("No model has been trained yet. Classify reviews on the Feedback page (installs the shipped starter "
            "model) or run `shoplens train all`.")
    st.stop()

st.subheader("Training history")
fmt = st.column_config.NumberColumn(format="%.3f")
st.dataframe(pd.DataFrame(rows).drop(columns="path"), hide_index=True, use_container_width=True,
             column_config={"sentiment macro-F1": fmt, "topic macro-F1": fmt, "held-back balanced acc.": fmt})
pick = st.selectbox("Model card", [f"{r['task']}/{r['version']}" for r in rows])
row = next(r for r in rows if f"{r['task']}/{r['version']}" == pick)
other_shops_section(row["path"])
with open(f"{row['path']}/README.md", encoding="utf-8") as f:
    st.markdown(f.read())
