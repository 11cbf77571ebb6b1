"""Which problem an unhappy review is about, from the words customers use to complain, for a reply to a review the
classifier has not labelled yet.

A reply that only says "sorry your order disappointed you" was rated 3 ("never names the actual problem") on every
one of 24 unlabelled demo reviews in the blind reading of issue 16, while replies that named the topic were mostly
rated 4-5. The classifier's topics (models/) are the better source and win whenever a label exists; these cues are
the fallback. They are complaint phrases only ("ripped", "runs small", "itchy", "arrived late"), not the topic
words of models/lexicon.py: "beautiful colour, but the seam ripped" must not thank anyone for the colour or apologise
for how it looked. Precision matters more than recall here: an unmatched review keeps the general apology, which is
bland but never wrong, while a wrong topic apologises for something the customer never said.
"""
from __future__ import annotations

import re

_CUES = {
    "quality": r"\b(ripp(ed|ing)|rips?|tore|torn|tears? (open|apart)|(came|coming|fell|falling) apart|fray(ed|ing|s)?|"
               r"unravel\w*|(a|had a|has a|got a|with a) (small |tiny |big )?hole|pill(ed|ing|s)|flimsy|poorly made|cheaply made|broke|broken|snapped|cracked|"
               r"(seams?|stitching|zip(per)?|button|strap|handle|sole) (split|broke|gave way|came (off|undone|loose))|"
               r"thin (fabric|material)|fabric (is|was|felt) (thin|cheap)|faded|shrank|shrunk)\b",
    "fit_size": r"\b((runs?|ran|running) (very |extremely |really |so |super |way |a bit |a little )?(small|large|big|tiny|huge|short|long|narrow|wide)|"
                r"(way |much |far |a bit |a little )?too (small|big|large|tight|loose|short|long|narrow|wide|baggy|snug)|"
                r"(did ?n[o']t|does ?n[o']t|do ?n[o']t|would ?n[o']t|won'?t) fit|(tiny|huge|boxy) on me|"
                r"(wrong|odd|strange) (size|sizing|fit)|size (is|was) (off|wrong)|smaller than|bigger than|"
                r"larger than)\b",
    "comfort": r"\b(itch(y|ed|ing|es)?|scratch(y|ed|ing)|uncomfortable|dug in|digs? in|chaf(e|ed|ing)|"
               r"(gave|give|gives) me (a )?(rash|blisters?)|blisters?|rash|irritat\w*|broke ?out)\b",
    "appearance": r"\b(not as (pictured|shown|described)|(looks?|looked) nothing like|(colou?r|shade) (is|was) "
                  r"(off|wrong|different|duller)|different (colou?r|shade)|see.?through|unflattering|frumpy|"
                  r"looks? cheap|looked cheap)\b",
    "price_value": r"\b(overpriced|over.?priced|not worth|too expensive|waste of money|rip.?off|"
                   r"(charged|billed) (me )?(twice|double)|double.?charged|for the price)\b",
    "delivery_packaging": r"\b(arrived (late|damaged|broken|crushed|dented|open|torn|wet)|never (arrived|came|turned up)|"
                          r"(late|slow|delayed) (delivery|shipping|parcel|package|order)|still (waiting|not arrived)|"
                          r"(box|parcel|package|packaging) (was )?(crushed|damaged|torn|dented|wet|open)|"
                          r"missing (from|in) (the )?(box|parcel|package|order)|(item|items|pieces?|parts?) "
                          r"(was|were) missing|lost in (the )?post|wrong (item|order|product))\b",
    "customer_service": r"\b(no (reply|response|answer)|(never|did ?n[o']t|has ?n[o']t|have ?n[o']t) "
                        r"(replied|responded|answered|got back)|rude|unhelpful|ignored|(refund|return) "
                        r"(was )?(refused|denied|never came)|on hold|kept me waiting)\b",
    "effectiveness": r"\b((does ?n[o']t|did ?n[o']t|do ?n[o']t|never) work(ed)?|stopped working|useless|"
                     r"(does ?n[o']t|did ?n[o']t) (clean|charge|hold|stick|seal|help)|leak(s|ed|ing|y)?|"
                     r"no (difference|effect)|not (waterproof|warm enough))\b",
}
CUES = {topic: re.compile(rx, re.IGNORECASE) for topic, rx in _CUES.items()}


def complaint_topics(text: str, limit: int = 2) -> list[str]:
    """Up to `limit` topics whose complaint phrases occur in `text`, in the order the customer raised them."""
    first = {}
    for topic, rx in CUES.items():
        m = rx.search(text or "")
        if m:
            first[topic] = m.start()
    return sorted(first, key=first.get)[:limit]
