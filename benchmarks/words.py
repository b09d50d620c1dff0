"""Guidance-like words the synthetic histories and mirrors are written in."""

WORDS = (
    "people with ME/CFS should be offered care that recognises post-exertional malaise and "
    "the need for energy management within their limits agreed with a healthcare professional "
    "review the plan regularly and do not offer any programme that uses fixed incremental "
    "increases in physical activity or exercise such as graded exercise therapy symptoms "
    "fluctuate and can worsen after minimal activity so pacing is central and rest is part of "
    "the day provide information about the condition and its management to families carers "
    "schools and employers support for daily living equipment and adaptations may be needed "
    "children and young people have the same right to assessment and a named contact"
).split()
