"""Documents as PDF (WeasyPrint): visa letters, badges and name plates, certificates; their verification.

``render`` makes PDFs from templates, ``models``/``services`` issue, withdraw and verify documents, ``views`` is
the public verification page, ``cli`` the ``flask documents`` group the document packages add to.
"""
