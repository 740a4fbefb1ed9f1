"""The ``local`` sandbox backend: bubblewrap namespaces, seccomp, an unprivileged uid, rlimits."""
