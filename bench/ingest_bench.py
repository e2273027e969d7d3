"""Evidence ingest benchmark (issue 6): a 2 GB video through the store's ingest path (SHA-256 and SM3
in one pass while writing, libmagic on the first bytes, pymediainfo on the result — what
`records.services.evidence_add` does with an upload) against `sha256sum` + `cp` of the same file,
side by side in one run; and the peak RSS of the ingesting process.

    ./dev bench ingest_bench [--size-mb 2048] [--runs 2]

The chunked-upload path (PUT chunks appended to a spool file, then the same ingest) is timed too."""

import argparse
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def make_video(path: str, size: int) -> None:
    """An MP4 container header followed by random payload (incompressible, like real video)."""
    header = struct.pack(">I4s4sI", 24, b"ftyp", b"isom", 0x200) + b"isomiso2" + struct.pack(">I4s", 8, b"free")
    payload = size - len(header) - 16
    with open(path, "wb") as f:
        f.write(header)
        f.write(struct.pack(">I4sQ", 1, b"mdat", payload + 16))  # 64-bit box size
        block = os.urandom(8 << 20)
        left = payload
        while left > 0:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n
            block = block[1:] + block[:1] if left % 3 == 0 else block
        f.flush()
        os.fsync(f.fileno())


def child(src: str, store: str, mode: str) -> None:
    """Runs in its own process so its peak RSS is the server's cost of one ingest."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhifa.conf.test"
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = store
    from zhifa.core.filestore import filestore_ingest
    from zhifa.records import media

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if mode == "chunked":  # the spool the PUT requests append to, 4 MB at a time, then the ingest
        spool = os.path.join(store, "spool.part")
        os.makedirs(store, exist_ok=True)
        with open(src, "rb") as f, open(spool, "ab") as out:
            for piece in iter(lambda: f.read(4 << 20), b""):
                out.write(piece)
        src = spool
    with open(src, "rb") as f:
        got = filestore_ingest(f, allow_empty=False,
                               check_head=media.head_checker(file_name="v.mp4", declared_type="video/mp4"),
                               inspect=media.media_details)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{elapsed:.3f} {base // 1024} {peak // 1024} {got.stored.sha256}")


def run_child(src: str, mode: str) -> tuple[float, int, int, str]:
    store = tempfile.mkdtemp(prefix="zhifa-ingest-store-", dir=os.path.dirname(src))
    try:
        out = subprocess.run([sys.executable, __file__, "--child", src, store, mode], check=True,
                             capture_output=True, text=True).stdout.split()
        return float(out[0]), int(out[1]), int(out[2]), out[3]
    finally:
        subprocess.run(["chmod", "-R", "u+w", store], check=False)
        shutil.rmtree(store, ignore_errors=True)


def reference(src: str) -> tuple[float, str]:
    dest = src + ".copy"
    t = time.perf_counter()
    digest = subprocess.run(["sha256sum", src], check=True, capture_output=True, text=True).stdout.split()[0]
    subprocess.run(["cp", src, dest], check=True)
    elapsed = time.perf_counter() - t
    os.unlink(dest)
    return elapsed, digest


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=2048)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--dir", default=None, help="where to put the test file (default: the temp dir)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="zhifa-ingest-bench-", dir=args.dir)
    src = os.path.join(work, "video.mp4")
    try:
        t = time.perf_counter()
        make_video(src, args.size_mb << 20)
        print(f"test file: {args.size_mb} MB in {time.perf_counter() - t:.1f} s ({src})")
        rows = []
        for i in range(args.runs):
            ref, ref_digest = reference(src)
            ours, base, peak, digest = run_child(src, "direct")
            chunked, _, cpeak, cdigest = run_child(src, "chunked")
            assert digest == ref_digest == cdigest, "digest mismatch"
            rows.append((ref, ours, chunked, base, peak, cpeak))
            print(f"run {i + 1}: sha256sum+cp {ref:.2f} s | ingest {ours:.2f} s ({ours / ref:.2f}×) | "
                  f"chunked spool+ingest {chunked:.2f} s ({chunked / ref:.2f}×) | "
                  f"RSS before {base} MB, peak {peak} MB (chunked {cpeak} MB)")
        best = min(rows, key=lambda r: r[1] / r[0])
        worst = max(rows, key=lambda r: r[1] / r[0])
        print(f"ingest / (sha256sum + cp): best {best[1] / best[0]:.2f}×, worst {worst[1] / worst[0]:.2f}× "
              f"(target ≤ 1.5×); peak RSS {max(r[4] for r in rows)} MB (target < 100 MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
