"""One typed schema (pydantic) per payload: validates requests, shapes responses, writes the OpenAPI document.

One module per domain. ``applications`` is also the one definition of the
application's field rules, from which the draft and submit checks, the page's
form schema (``processes/forms/application.json``) and the export's columns come.
"""
