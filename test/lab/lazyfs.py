#!/usr/bin/python3
"""A LazyFS-like FUSE file system for power-cut tests (Debian's python3-fusepy).

    lazyfs.py BACKING MOUNTPOINT --control SOCKET [--seed N]

Every call passes through to BACKING, which is what a reader sees while the mount is up.
Beside it the file system keeps a model of what a disk would hold after a power cut: per
file, the bytes as of its last fsync/fdatasync and the writes and truncations made since;
per directory, the entries as of its last fsync (FUSE's fsyncdir) and the entry operations
(create, mkdir, unlink, rmdir, rename) made since, in order. Hard links are refused (EPERM),
as on a file system without them: high-level FUSE cannot follow one inode under two names.

A client of SOCKET sends one line:
    cut [random|drop-all|keep-all] [SEED]
and the power goes: of what was not durable, a random part survives (per directory, a random
subset of the pending entry operations, each rename whole; per file, a random prefix of its
pending writes, the last of them possibly torn at a random byte, as a page cache that was
flushing), BACKING is rewritten to hold exactly that, the answer (one JSON line: the seed and
what was dropped) goes back, and the mount goes away. The process the mount served must be
killed (SIGKILL) before the cut: nothing it does afterwards reaches the disk.

The seed is printed at the start and in every answer, so a failing round replays.
"""

import argparse
import errno
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading

from fusepy import FUSE, FuseOSError, Operations


class File:
    def __init__(self, durable=b""):
        # The bytes a cut keeps for sure, and the changes since: ("w", offset, data) or ("t", size).
        self.durable = bytearray(durable)
        self.pending = []


class Dir:
    def __init__(self):
        # Name -> File or Dir as the disk holds them: what a cut keeps for sure.
        self.durable = {}


def apply(data, op, torn=None):
    """One pending change applied to a file's bytes; `torn`: only that many bytes of a write."""
    if op[0] == "t":
        del data[op[1]:]
        if len(data) < op[1]:
            data.extend(b"\0" * (op[1] - len(data)))
        return
    _, offset, chunk = op
    if torn is not None:
        chunk = chunk[:torn]
    if len(data) < offset:
        data.extend(b"\0" * (offset - len(data)))
    data[offset:offset + len(chunk)] = chunk


def apply_entry(op):
    """One pending directory operation applied to the durable namespace."""
    kind = op[0]
    if kind in ("create", "link", "mkdir"):
        _, parent, name, node = op
        parent.durable[name] = node
    elif kind in ("unlink", "rmdir"):
        _, parent, name, node = op
        if parent.durable.get(name) is node:
            del parent.durable[name]
    elif kind == "rename":
        _, sparent, sname, dparent, dname, node = op
        if sparent.durable.get(sname) is node:
            del sparent.durable[sname]
        dparent.durable[dname] = node


def touched(op):
    """The directories whose fsync makes this operation durable."""
    if op[0] == "rename":
        return (op[1], op[3])
    return (op[1],)


class LazyFS(Operations):
    def __init__(self, backing, mountpoint, seed):
        self.backing = os.path.realpath(backing)
        self.mountpoint = mountpoint
        self.seed = seed
        self.mutex = threading.Lock()
        self.dead = False
        self.entries = []  # pending directory operations, oldest first
        self.nodes = {"/": Dir()}  # live path -> node
        # Whatever BACKING holds at mount time is durable.
        for root, dirs, files in os.walk(self.backing):
            rel = "/" + os.path.relpath(root, self.backing)
            rel = "/" if rel == "/." else rel
            parent = self.nodes[rel]
            for d in dirs:
                node = Dir()
                parent.durable[d] = node
                self.nodes[os.path.join(rel, d)] = node
            for f in files:
                full = os.path.join(root, f)
                st = os.lstat(full)
                key = (st.st_dev, st.st_ino)
                node = self._by_inode(key)
                if node is None:
                    with open(full, "rb") as fp:
                        node = File(fp.read())
                    node.inode = key
                parent.durable[f] = node
                self.nodes[os.path.join(rel, f)] = node

    def _by_inode(self, key):
        for node in self.nodes.values():
            if getattr(node, "inode", None) == key:
                return node
        return None

    def _real(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def _split(self, path):
        parent, name = os.path.split(path)
        node = self.nodes.get(parent)
        if not isinstance(node, Dir):
            raise FuseOSError(errno.ENOENT)
        return node, name

    def __call__(self, op, *args):
        # One operation at a time, and none once the power is gone.
        with self.mutex:
            if self.dead:
                raise FuseOSError(errno.EIO)
            try:
                return super().__call__(op, *args)
            except OSError as err:
                raise FuseOSError(err.errno or errno.EIO)

    # --- pass-through reads ---

    def init(self, path):
        print(f"lazyfs: mounted {self.mountpoint}", flush=True)

    def getattr(self, path, fh=None):
        st = os.lstat(self._real(path))
        keys = ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size", "st_uid")
        return {k: getattr(st, k) for k in keys}

    def access(self, path, amode):
        if not os.access(self._real(path), amode):
            raise FuseOSError(errno.EACCES)

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._real(path))

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def statfs(self, path):
        st = os.statvfs(self._real(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files",
                "f_flag", "f_frsize", "f_namemax")
        return {k: getattr(st, k) for k in keys}

    def chmod(self, path, mode):
        os.chmod(self._real(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._real(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._real(path), times)

    def open(self, path, flags):
        return os.open(self._real(path), flags & ~(os.O_CREAT | os.O_EXCL))

    def opendir(self, path):
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)
        return 0

    # --- file data: kept apart until fsync ---

    def create(self, path, mode, fi=None):
        parent, name = self._split(path)
        fd = os.open(self._real(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        node = self.nodes.get(path)
        if isinstance(node, File):
            node.pending.append(("t", 0))
        else:
            node = File()
            self.nodes[path] = node
            self.entries.append(("create", parent, name, node))
        return fd

    def write(self, path, data, offset, fh):
        written = os.pwrite(fh, data, offset)
        self.nodes[path].pending.append(("w", offset, bytes(data[:written])))
        return written

    def truncate(self, path, length, fh=None):
        if fh is None:
            os.truncate(self._real(path), length)
        else:
            os.ftruncate(fh, length)
        self.nodes[path].pending.append(("t", length))

    def fsync(self, path, datasync, fh):
        os.fsync(fh)
        node = self.nodes[path]
        for op in node.pending:
            apply(node.durable, op)
        node.pending = []
        return 0

    # --- directory entries: kept apart until the directory's fsync ---

    def fsyncdir(self, path, datasync, fh):
        node = self.nodes[path]
        keep = []
        for op in self.entries:
            if node in touched(op):
                apply_entry(op)
            else:
                keep.append(op)
        self.entries = keep
        return 0

    def mkdir(self, path, mode):
        parent, name = self._split(path)
        os.mkdir(self._real(path), mode)
        node = Dir()
        self.nodes[path] = node
        self.entries.append(("mkdir", parent, name, node))

    def rmdir(self, path):
        parent, name = self._split(path)
        os.rmdir(self._real(path))
        self.entries.append(("rmdir", parent, name, self.nodes.pop(path)))

    def unlink(self, path):
        parent, name = self._split(path)
        os.unlink(self._real(path))
        self.entries.append(("unlink", parent, name, self.nodes.pop(path)))

    def link(self, target, source):
        # Refused, as on a file system without hard links (FAT, some network mounts). High-level
        # FUSE names a node by one path: after link() the kernel sends calls for the inode under
        # the other name too, and this table of paths and libfuse's disagree (a call arrived for
        # "/state.json.bak.tmp" after it had been renamed away). The gateway copies and fsyncs
        # instead (durable-file.ts, NO_HARD_LINKS), a path the campaign then checks.
        raise FuseOSError(errno.EPERM)

    def rename(self, old, new):
        sparent, sname = self._split(old)
        dparent, dname = self._split(new)
        os.rename(self._real(old), self._real(new))
        node = self.nodes[old]
        # A directory moves with everything under it.
        for p in [p for p in self.nodes if p == old or p.startswith(old.rstrip("/") + "/")]:
            self.nodes[new + p[len(old):]] = self.nodes.pop(p)
        self.entries.append(("rename", sparent, sname, dparent, dname, node))

    # --- the power cut ---

    def cut(self, mode, seed):
        """Throw away part of what was not durable and write the rest to BACKING."""
        rnd = random.Random(seed)
        report = {"seed": seed, "mode": mode, "entriesKept": 0, "entriesDropped": 0,
                  "writesKept": 0, "writesDropped": 0, "torn": 0}
        for op in self.entries:
            keep = mode == "keep-all" or (mode == "random" and rnd.random() < 0.5)
            report["entriesKept" if keep else "entriesDropped"] += 1
            if keep:
                apply_entry(op)
        self.entries = []
        contents = {}

        def content(node):
            if id(node) in contents:
                return contents[id(node)]
            data = bytearray(node.durable)
            n = len(node.pending)
            kept = n if mode == "keep-all" else 0 if mode == "drop-all" else rnd.randint(0, n)
            for op in node.pending[:kept]:
                apply(data, op)
            if kept < n and mode == "random" and node.pending[kept][0] == "w" and rnd.random() < 0.5:
                torn = rnd.randint(0, len(node.pending[kept][2]))
                apply(data, node.pending[kept], torn)
                report["torn"] += 1
            report["writesKept"] += kept
            report["writesDropped"] += n - kept
            contents[id(node)] = bytes(data)
            return contents[id(node)]

        for name in os.listdir(self.backing):
            full = os.path.join(self.backing, name)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)
        written = {}

        def lay(dirnode, real):
            for name, node in sorted(dirnode.durable.items()):
                target = os.path.join(real, name)
                if isinstance(node, Dir):
                    os.mkdir(target, 0o750)
                    lay(node, target)
                elif id(node) in written:
                    os.link(written[id(node)], target)
                else:
                    with open(target, "wb") as fp:
                        fp.write(content(node))
                    os.chmod(target, 0o600)
                    written[id(node)] = target

        # Files outside the durable namespace are not laid out: gone with their data.
        # No sync(2) here: what matters is what the next mount and the checks read, and the page
        # cache gives them that; a machine-wide sync on a busy test machine took seconds a cut.
        lay(self.nodes["/"], self.backing)
        return report


def serve_control(fs, path):
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    while True:
        conn, _ = server.accept()
        with conn:
            words = conn.makefile("r").readline().split()
            if not words or words[0] != "cut":
                conn.sendall(b'{"error":"unknown command"}\n')
                continue
            mode = words[1] if len(words) > 1 else "random"
            seed = int(words[2]) if len(words) > 2 else fs.seed
            if mode not in ("random", "drop-all", "keep-all"):
                conn.sendall(b'{"error":"unknown mode"}\n')
                continue
            with fs.mutex:
                fs.dead = True
                report = fs.cut(mode, seed)
            print(f"lazyfs: cut {json.dumps(report)}", flush=True)
            # The answer first: the unmount ends this process (the FUSE loop returns). A caller
            # waits for that exit before it mounts again.
            conn.sendall((json.dumps(report) + "\n").encode())
            conn.shutdown(socket.SHUT_RDWR)
            subprocess.run(["fusermount", "-u", "-z", fs.mountpoint], check=False)
            # Out now, not when the FUSE loop sees the unmount: a mount namespace made meanwhile
            # (unshare --mount by another test on the machine) keeps a copy of the mount, and the
            # loop would wait for it forever. Our exit closes /dev/fuse; such copies get ENOTCONN.
            sys.stdout.flush()
            os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backing")
    parser.add_argument("mountpoint")
    parser.add_argument("--control", required=True)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    print(f"lazyfs: seed {seed}", flush=True)
    fs = LazyFS(args.backing, os.path.realpath(args.mountpoint), seed)
    threading.Thread(target=serve_control, args=(fs, args.control), daemon=True).start()
    FUSE(fs, args.mountpoint, foreground=True, nothreads=True, fsname="lazyfs")


if __name__ == "__main__":
    sys.exit(main())
