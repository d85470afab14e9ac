"""Drop duplicate <script> entries from each page.

Jupyter Book 1.0.4 with sphinx-thebe 0.3.1 registers thebe's inline configuration script
twice, so every page throws "Identifier 'THEBE_JS_URL' has already been declared" in the
browser console. Keeping the first copy of each identical script fixes it."""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for js in context.get("script_files", []):
        # the same inline script comes once with filename None and once with ''
        key = (getattr(js, "filename", str(js)) or "",
               tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
