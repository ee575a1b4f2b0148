# The benchmarks' gunicorn settings: none beyond the command line, for the bare app and Plenary alike. Without
# this file gunicorn would read the repository's gunicorn.conf.py in Plenary's folder (an access log per request,
# workers renewed every 2,000 requests), which the bare app, started in bench/, would not.
