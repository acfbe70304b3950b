"""Read a safetensors file with json, struct and numpy only, and print it as JSON.

The file is an 8-byte little-endian unsigned header size N, N bytes of JSON
header, then the raw little-endian tensor data. Each header entry gives a
tensor's dtype, shape and data_offsets [begin, end), counted from the start
of the data. The optional "__metadata__" entry maps strings to strings.

Usage:
    python3 test/reference/read_safetensors.py FILE           # summary of each tensor
    python3 test/reference/read_safetensors.py FILE --full    # every value as well

The output is one JSON object: {"metadata": {...}, "tensors": {name: {dtype,
shape, count, sum, first, [data]}}}. Values are float32 numbers written as the
exact float64 they convert to, so a reader can compare them bit for bit.
`sum` is accumulated in float64. Non-finite values are written as the strings
"NaN", "Infinity" and "-Infinity".

This reader is independent of the TypeScript decoder in src/model/safetensors.ts
and only understands the F32 dtype, which is what Tiny LLM writes.
"""

import json
import math
import struct
import sys

import numpy as np

FIRST_VALUES = 5


def encode_number(value):
    """Convert a number to JSON, with non-finite values as strings."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def read_safetensors(path):
    """Return (metadata, {name: float32 array}) from the file at path.

    Raise ValueError naming the fault when the file is not valid safetensors.
    """
    with open(path, "rb") as file:
        content = file.read()
    if len(content) < 8:
        raise ValueError(f"{path}: truncated, {len(content)} bytes is less than the 8-byte header size")
    (header_size,) = struct.unpack("<Q", content[:8])
    if 8 + header_size > len(content):
        raise ValueError(f"{path}: header size {header_size} exceeds the {len(content) - 8} bytes after it")
    header = json.loads(content[8 : 8 + header_size].decode("utf-8"))
    data = content[8 + header_size :]

    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name!r} has dtype {entry['dtype']}, only F32 is supported")
        begin, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        if not 0 <= begin <= end <= len(data) or end - begin != 4 * math.prod(shape):
            raise ValueError(f"{path}: tensor {name!r} has invalid data_offsets {[begin, end]} for shape {list(shape)}")
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape)
    return metadata, tensors


def describe(tensors, full):
    """Return a JSON-ready summary of each tensor, with all values when full is True."""
    result = {}
    for name, array in tensors.items():
        flat = array.reshape(-1)
        entry = {
            "dtype": "F32",
            "shape": list(array.shape),
            "count": int(flat.size),
            "sum": encode_number(flat.astype(np.float64).sum()),
            "first": [encode_number(x) for x in flat[:FIRST_VALUES]],
        }
        if full:
            entry["data"] = [encode_number(x) for x in flat]
        result[name] = entry
    return result


def main(arguments):
    full = "--full" in arguments
    paths = [argument for argument in arguments if argument != "--full"]
    if len(paths) != 1 or any(path.startswith("--") for path in paths):
        print("Usage: read_safetensors.py FILE [--full]", file=sys.stderr)
        return 2
    try:
        metadata, tensors = read_safetensors(paths[0])
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as error:
        print(f"read_safetensors.py: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"metadata": metadata, "tensors": describe(tensors, full)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
