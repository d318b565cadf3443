"""gunicorn settings of the container image (the local process, bin/portal.sh, passes its own on the command line)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
threads = int(os.environ.get("PORTAL_THREADS", "4"))
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# The read-only root file system leaves /tmp (a task volume) for the workers' heartbeat files.
worker_tmp_dir = "/tmp"
# No control socket: the home folder is not writable, and nothing administers the workers at run time.
control_socket_disable = True
# Behind a load balancer, its X-Forwarded-* headers are trusted (the app applies PORTAL_PROXY_HOPS).
forwarded_allow_ips = "*"
