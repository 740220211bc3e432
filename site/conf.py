"""Sphinx configuration of the course website (built by site/build.py; see its docstring)."""

import os

project = "Normalization in Neural Networks"
author = "the course's authors"
copyright = "the course's authors; text and figures CC BY 4.0, code MIT"

extensions = ["myst_nb"]
# The notebooks arrive executed and stripped by build.py: Sphinx never runs a kernel.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
# downloads/ holds the student notebooks, linked for download, not rendered as pages.
exclude_patterns = ["_build", "downloads", "**.ipynb_checkpoints"]
# A notebook may go from "#" to "###" (a titled notebook with small sub-headings): not an error.
suppress_warnings = ["myst.header"]

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = [os.environ.get("COURSE_SITE_STATIC", "_static")]  # build.py puts MathJax there
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,  # each page links the student notebook instead
    "use_fullscreen_button": False,
    "use_repository_button": False,
}
html_last_updated_fmt = None
html_copy_source = False  # the page's own source is the executed notebook: never ship it
html_show_sourcelink = False

# MathJax 2 from the jupyter-server-mathjax package, copied into _static by build.py: no CDN.
# That package ships the combined TeX/MathML configuration and the STIX-Web fonts only.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processRefs": False, "processEnvironments": False},
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None},
    "showMathMenu": False,
    "messageStyle": "none",
}
myst_update_mathjax = False
