"""Notices (告知书、答复书): which event issues which notice, the templates, the register, the files.

    catalog      which case event issues which notice kind (one table)
    context      what a template is given, built from the case, its schedule, agency and applicant
    templating   the sandboxed Jinja2 environment and template versions
    html_doc     a rendered notice (HTML) read back as an OfficialDocument
    register     issuing inside a step, corrected re-issues, look-ups, rendering PDF/DOCX/HTML

Nothing here imports Prefect.
"""
