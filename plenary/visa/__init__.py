"""Visa invitation letters: a confirmed in-person delegate's request, its review, the letter (issue 12).

``models`` (settings per plenary, requests with their passport data encrypted), ``crypto`` (Fernet),
``missions`` (the embassies and consulates a letter is addressed to), ``services`` (request, review, purge,
withdraw), ``letter`` (the PDF and its registration as a document kind), ``views`` (the personal page),
``admin_views`` (the back office's review), ``cli`` (``documents visa-letter``), ``jobs`` (the retention purge).
"""
