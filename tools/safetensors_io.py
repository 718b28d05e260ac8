"""Minimal safetensors writer and strict reader (no dependency on the `safetensors` package).

Debian bookworm has no python3-safetensors, so the format is written here the way the official
writer (safetensors >= 0.4, Rust core) lays it out:

    [u64 little-endian N][N bytes of UTF-8 JSON header, space-padded so that 8 + N % 8 == 0][data]

The header is compact JSON (no spaces): "__metadata__" first, then one entry per tensor,
{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, in the order of their data.
Data is sorted like the official writer: by dtype, largest/most-significant first (the Rust
`Dtype` enum order, descending: U64, I64, F64, F32, U32, I32, BF16, F16, ...), then by name.
The tensors' bytes follow each other with no holes, little-endian, row-major.

`read_safetensors` re-reads a file and checks every rule above (offsets contiguous, ordered,
matching dtype size x element count, covering the data section exactly).
"""

import json
import struct

import torch

# dtype name -> (torch dtype, bytes per element, rank in the Rust Dtype enum)
_DTYPES = {
    "BOOL": (torch.bool, 1, 0),
    "U8": (torch.uint8, 1, 4),
    "I8": (torch.int8, 1, 5),
    "I16": (torch.int16, 2, 9),
    "F16": (torch.float16, 2, 11),
    "BF16": (torch.bfloat16, 2, 12),
    "I32": (torch.int32, 4, 13),
    "F32": (torch.float32, 4, 15),
    "F64": (torch.float64, 8, 16),
    "I64": (torch.int64, 8, 17),
}
_TORCH_TO_NAME = {v[0]: k for k, v in _DTYPES.items()}


def _tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: reinterpret the 16-bit patterns.
        arr = t.view(torch.int16).numpy()
    else:
        arr = t.numpy()
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes(order="C")


def save_safetensors(tensors: dict, path: str, metadata: dict | None = None) -> None:
    """Writes `tensors` (name -> torch.Tensor) to `path` in the safetensors format."""
    if metadata is None:
        metadata = {"format": "pt"}
    names = sorted(
        tensors,
        key=lambda n: (-_DTYPES[_TORCH_TO_NAME[tensors[n].dtype]][2], n),
    )
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in names:
        t = tensors[name]
        data = _tensor_bytes(t)
        header[name] = {
            "dtype": _TORCH_TO_NAME[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    hbytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for b in blobs:
            f.write(b)


def read_safetensors(path: str):
    """Reads and validates a safetensors file; returns (metadata, {name: tensor}) in file order."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short")
    (n,) = struct.unpack_from("<Q", raw, 0)
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} past end of file")
    if (8 + n) % 8 != 0:
        raise ValueError(f"{path}: data section not 8-byte aligned (N={n})")
    text = raw[8 : 8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError(f"{path}: header does not start with '{{'")
    header = json.loads(text)
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", None)
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    expected_begin = 0
    out = {}
    for name, info in entries:
        dtype_name = info["dtype"]
        if dtype_name not in _DTYPES:
            raise ValueError(f"{path}: {name}: unsupported dtype {dtype_name}")
        tdtype, size, _ = _DTYPES[dtype_name]
        shape = info["shape"]
        begin, end = info["data_offsets"]
        if begin != expected_begin:
            raise ValueError(f"{path}: {name}: begins at {begin}, expected {expected_begin} (hole or overlap)")
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * size:
            raise ValueError(f"{path}: {name}: {end - begin} bytes for shape {shape} of {dtype_name}")
        chunk = bytearray(data[begin:end])
        if tdtype == torch.bfloat16:
            t = torch.frombuffer(chunk, dtype=torch.int16).view(torch.bfloat16) if count else torch.empty(0, dtype=tdtype)
        else:
            t = torch.frombuffer(chunk, dtype=tdtype) if count else torch.empty(0, dtype=tdtype)
        out[name] = t.reshape(shape).clone()
        expected_begin = end
    if expected_begin != len(data):
        raise ValueError(f"{path}: data section has {len(data)} bytes, tensors cover {expected_begin}")
    return metadata, out
