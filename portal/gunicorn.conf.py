"""gunicorn settings of the container image (the local process, bin/portal.sh, passes its own on the command line)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
threads = int(os.environ.get("PORTAL_THREADS", "4"))
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# The workers' heartbeat files go to /dev/shm, not /tmp: the root file system is read-only, and on Fargate the
# task volume mounted on /tmp belongs to root with mode 0755 (the image declares no VOLUME there), so uid 10001
# cannot write it. /dev/shm is a tmpfs (mode 1777) in every container, Fargate's too, and gunicorn's FAQ
# recommends it in containers (https://docs.gunicorn.org/en/stable/faq.html#blocking-os-fchmod; ECS bind mounts:
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html). tests/container proves it.
worker_tmp_dir = "/dev/shm"
# No control socket: the home folder is not writable, and nothing administers the workers at run time.
control_socket_disable = True
# X-Forwarded-* headers are trusted only when a proxy is configured in front (PORTAL_PROXY_HOPS > 0, the number the
# app's ProxyFix applies); otherwise gunicorn's default stands (127.0.0.1 and ::1 only).
if int(os.environ.get("PORTAL_PROXY_HOPS") or 0) > 0:
    forwarded_allow_ips = "*"
