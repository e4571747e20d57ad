"""The machine code NVIDIA's Vulkan driver compiled for our WGSL kernels, from its shader disk cache.

Dawn shows no compiled code, and Nsight Compute sees no Vulkan kernels, but the driver caches every
pipeline it builds. Run a benchmark with the cache pointed at an empty folder, then this script on
the GPU machine (it needs the CUDA toolkit's nvdisasm):

  export __GL_SHADER_DISK_CACHE_PATH=/tmp/nvcache __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1
  node .gpu/benchKernels.mjs --reps 2 --preset i3-22m --only scan
  python3 src/cli/shaderCacheSass.py /tmp/nvcache $OUT

Each cache entry is a zstd frame; a compiled pipeline decompresses to an "NVDANVVM" container whose
section of type 1 holds the code, instructions from its byte 8. Each becomes OUT/pipeline<k>.sass,
in the order the driver cached them, with a summary line: instructions, the highest register, and
the counts of the instructions that matter most for the scan (local memory, barriers, exp).
Layout found by inspection on driver 580.159.04 (2026-11-29), not documented by NVIDIA.
"""

import collections
import ctypes
import re
import struct
import subprocess
import sys
from pathlib import Path

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
NVDISASM = "/usr/local/cuda/bin/nvdisasm"


# libzstd through ctypes: the GPU machine has the library but neither the zstd tool nor its Python
# module.
zstd = ctypes.CDLL("libzstd.so.1")
zstd.ZSTD_findFrameCompressedSize.restype = ctypes.c_size_t
zstd.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
zstd.ZSTD_decompress.restype = ctypes.c_size_t
zstd.ZSTD_isError.restype = ctypes.c_uint


def frames(blob: bytes):
    """The decompressed zstd frames of a cache file (each starts at a frame magic)."""
    for m in re.finditer(re.escape(ZSTD_MAGIC), blob):
        src = blob[m.start() :]
        size = zstd.ZSTD_findFrameCompressedSize(src, ctypes.c_size_t(len(src)))
        content = zstd.ZSTD_getFrameContentSize(src, ctypes.c_size_t(size))
        if zstd.ZSTD_isError(ctypes.c_size_t(size)) or content >= 1 << 40:
            continue  # not a frame, or no content size recorded
        out = ctypes.create_string_buffer(content)
        n = zstd.ZSTD_decompress(out, ctypes.c_size_t(content), src, ctypes.c_size_t(size))
        if not zstd.ZSTD_isError(ctypes.c_size_t(n)):
            yield out.raw[:n]


def code_section(container: bytes) -> bytes:
    """The instructions of an NVDANVVM container: the type-1 section, from its byte 8."""
    for off in range(0x28, 0x200, 0x20):
        kind, size, start = struct.unpack_from("<IIQ", container, off)
        if kind == 1:
            code = container[start + 8 : start + size]
            return code[: len(code) // 16 * 16]
    raise ValueError("no code section")


def summary(sass: str) -> str:
    ops = collections.Counter(re.findall(r"\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_]*)", sass))
    regs = [int(r) for r in re.findall(r"\bR(\d+)\b", sass)]
    keys = ("LDL", "STL", "LDS", "STS", "LDG", "STG", "BAR", "MUFU", "FFMA", "FMUL")
    counts = " ".join(f"{k} {ops[k]}" for k in keys)
    return f"{sum(ops.values())} instructions, registers up to R{max(regs, default=0)}; {counts}"


def main(cache: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    k = 0
    for path in sorted(p for p in cache.rglob("*.bin") if p.is_file()):
        for data in frames(path.read_bytes()):
            if not data.startswith(b"NVDANVVM"):
                continue
            raw = out / f"pipeline{k}.bin"
            raw.write_bytes(code_section(data))
            sass = subprocess.run(
                [NVDISASM, "-b", "SM90", str(raw)], capture_output=True, text=True, check=True
            ).stdout
            (out / f"pipeline{k}.sass").write_text(sass)
            raw.unlink()
            print(f"pipeline{k}: {summary(sass)}")
            k += 1
    if k == 0:
        sys.exit(f"no compiled pipelines under {cache}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
