"""Synthetic but realistic marketplace contacts, orders and ground truth (``voc data synth``).

:mod:`voc.synth.generate` makes the data (``generate(SynthConfig(...))`` -> ``SynthData``) and
:mod:`voc.synth.export` writes it (``write(data, out_dir)``). The rest are its parts: customers and
planted PII (:mod:`~voc.synth.pii`), causes and topics (:mod:`~voc.synth.profiles`,
:mod:`~voc.synth.topics`), phrase tables (:mod:`~voc.synth.phrases`,
:mod:`~voc.synth.phrases_before_delivery`, :mod:`~voc.synth.phrases_after_delivery`), how a contact is
composed (:mod:`~voc.synth.compose`) and rendered per channel (:mod:`~voc.synth.channels`), dates and
orders (:mod:`~voc.synth.calendar`), and the demo's stand-in for the analysts
(:mod:`~voc.synth.demo_labels`).
"""
