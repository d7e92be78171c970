"""Live training for the Activations page: up to four arms trained side by side, a step at a time.

Import the modules by name: :mod:`~bnviz.live.choices` (what the page offers), :mod:`~bnviz.live.settings`
(its settings as one config per arm), :mod:`~bnviz.live.comparison` (the arms trained in turn),
:mod:`~bnviz.live.estimate` (how long a probe interval will take here) and :mod:`~bnviz.live.threads`
(torch's thread count, set once per process). Pure Python and torch: no Streamlit here.
"""
