"""Independent numpy reference implementation of the Tiny LLM model.

It rebuilds the tokenizer, the random streams, the parameters and every
forward stage from the text of docs/model.md alone, so the TypeScript unit
tests compare against numbers that the code under test did not produce.

Usage:
    python3 test/reference/reference.py          # rewrite test/fixtures/*.json
    python3 test/reference/reference.py --check  # run the self-checks only

Each stage is computed in float64 from the float32 values of the previous
stage and the float32 parameters, then rounded to float32, because the model
stores every stage as float32. The fixtures write each float32 as the exact
float64 it converts to, so `Math.fround` of a fixture number is the stored
value. JSON has no literal for non-finite numbers, so the fixtures write them
as the strings "Infinity", "-Infinity" and "NaN".

Needs Python 3 and numpy only.
"""

import json
import math
import re
import sys
from pathlib import Path

import numpy as np

FIXTURE_DIRECTORY = Path(__file__).resolve().parent.parent / "fixtures"

UINT32_MASK = 0xFFFFFFFF
FNV_OFFSET_BASIS = 0x811C9DC5
FNV_PRIME = 0x01000193
MULBERRY32_INCREMENT = 0x6D2B79F5

# The tokenizer that docs/model.md gives for text of ASCII letters, spaces and
# punctuation other than apostrophes. Every fixture text stays inside that set.
ASCII_TOKEN_PATTERN = re.compile(r"[A-Za-z]+|[^\sA-Za-z]")

DEFAULT_CONFIG = {
    "embeddingSize": 16,
    "heads": 1,
    "feedForwardSize": 64,
    "seed": 42,
    "causalMask": True,
    "contextLength": 512,
}


# Tokens and vocabulary


def tokenize(text):
    """Split ASCII text into word and single-character punctuation tokens."""
    return ASCII_TOKEN_PATTERN.findall(text)


def build_vocabulary(tokens):
    """Give each new token text the next id, in order of first appearance."""
    vocabulary = []
    id_by_token = {}
    ids = []
    for token in tokens:
        if token not in id_by_token:
            id_by_token[token] = len(vocabulary)
            vocabulary.append(token)
        ids.append(id_by_token[token])
    return vocabulary, ids


# Random numbers


def imul(a, b):
    """Return the low 32 bits of a * b, as JavaScript's Math.imul, unsigned."""
    return (a * b) & UINT32_MASK


def mulberry32(state):
    """Yield uniform float64 draws in [0, 1) from mulberry32 started at state."""
    state &= UINT32_MASK
    while True:
        state = (state + MULBERRY32_INCREMENT) & UINT32_MASK
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t = t ^ ((t + imul(t ^ (t >> 7), t | 61)) & UINT32_MASK)
        yield (t ^ (t >> 14)) / 2**32


def fnv1a32(text):
    """Hash the UTF-8 bytes of text with 32-bit FNV-1a."""
    hash_value = FNV_OFFSET_BASIS
    for byte in text.encode("utf-8"):
        hash_value ^= byte
        hash_value = (hash_value * FNV_PRIME) & UINT32_MASK
    return hash_value


def stream_state(seed, name):
    """Return the starting state of the stream `name` under `seed`."""
    return fnv1a32(f"{seed}:{name}")


def normal_draws(state, count):
    """Draw `count` standard normal float64 values with Box-Muller.

    Each value uses two uniform draws, u1 then u2, and only the cosine branch.
    """
    uniforms = mulberry32(state)
    values = []
    for _ in range(count):
        u1 = next(uniforms)
        u2 = next(uniforms)
        values.append(math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2))
    return values


def draw_parameter(seed, name, shape, scale):
    """Fill a float32 array of `shape` in row-major order from stream `name`."""
    count = math.prod(shape)
    values = np.array(normal_draws(stream_state(seed, name), count), dtype=np.float64)
    # NOTE: this multiplies z by the float64 value of 1/sqrt(n), as the formula
    # float32(z * scale) reads. Dividing z by sqrt(n) can differ in the last bit.
    return (values * scale).astype(np.float32).reshape(shape)


def build_parameters(config, vocabulary_size):
    """Draw every parameter for the given sizes, seed and vocabulary size."""
    seed = config["seed"]
    d = config["embeddingSize"]
    d_ff = config["feedForwardSize"]
    scale_d = 1.0 / math.sqrt(d)
    scale_ff = 1.0 / math.sqrt(d_ff)

    embeddings = np.stack(
        [draw_parameter(seed, f"embedding:{i}", (d,), 1.0) for i in range(vocabulary_size)]
    )  # [V, d]
    # Column j of W_out comes from stream output:j, so stack rows and transpose.
    vocabulary_weight = np.stack(
        [draw_parameter(seed, f"output:{j}", (d,), scale_d) for j in range(vocabulary_size)]
    ).T  # [d, V]

    parameters = {
        "embeddings": embeddings,
        "queryWeight": draw_parameter(seed, "attention.query", (d, d), scale_d),
        "keyWeight": draw_parameter(seed, "attention.key", (d, d), scale_d),
        "valueWeight": draw_parameter(seed, "attention.value", (d, d), scale_d),
        "outputWeight": draw_parameter(seed, "attention.output", (d, d), scale_d),
        "w1": draw_parameter(seed, "feedForward.w1", (d, d_ff), scale_d),
        "b1": np.zeros(d_ff, dtype=np.float32),
        "w2": draw_parameter(seed, "feedForward.w2", (d_ff, d), scale_ff),
        "b2": np.zeros(d, dtype=np.float32),
        "vocabularyWeight": np.ascontiguousarray(vocabulary_weight),
        "vocabularyBias": np.zeros(vocabulary_size, dtype=np.float32),
    }
    if config.get("positions", "none") == "learned":
        parameters["positions"] = learned_positions(config)  # [contextLength, d]
    return parameters


def position_vectors(config, parameters, length):
    """Return the [length, d] float32 position vectors P, or None for 'none'.

    Sinusoidal: column c of row t is sin(angle) for even c and cos(angle) for
    odd c, with angle = t / 10000^(2i/d) and i = c // 2, computed in float64.
    Learned: row t comes from stream position:t with scale 1.
    """
    kind = config.get("positions", "none")
    d = config["embeddingSize"]
    if kind == "none":
        return None
    if kind == "sinusoidal":
        table = np.empty((length, d), dtype=np.float64)  # [T, d]
        for t in range(length):
            for c in range(d):
                angle = t / 10000.0 ** (2 * (c // 2) / d)
                table[t, c] = math.sin(angle) if c % 2 == 0 else math.cos(angle)
        return as_float32(table)
    if kind == "learned":
        return parameters["positions"][:length]
    raise ValueError(f"positions {kind!r} is unknown. Use none, sinusoidal or learned.")


def learned_positions(config):
    """Draw the [contextLength, d] learned position table, row t from stream position:t."""
    d = config["embeddingSize"]
    rows = [draw_parameter(config["seed"], f"position:{t}", (d,), 1.0) for t in range(config["contextLength"])]
    return np.stack(rows)


# Softmax


def softmax(row, mask=None):
    """Return the float64 softmax of one row, where mask[j] True masks entry j.

    Masked entries get 0 and take no part. A row with no unmasked entry gives
    zeros, and so does a row whose unmasked entries are all -inf. When the
    max is +inf, the +inf entries share the weight equally.
    A NaN among the unmasked entries makes every entry of the row NaN.
    """
    x = np.asarray(row, dtype=np.float64)
    if mask is None:
        unmasked = np.ones(x.shape, dtype=bool)
    else:
        unmasked = ~np.asarray(mask, dtype=bool)

    result = np.zeros(x.shape, dtype=np.float64)
    if not unmasked.any():
        return result
    if np.isnan(x[unmasked]).any():
        return np.full(x.shape, np.nan)

    m = x[unmasked].max()
    if m == np.inf:
        at_max = unmasked & (x == np.inf)
        result[at_max] = 1.0 / at_max.sum()
        return result

    if m == -np.inf:
        # Every unmasked entry is -inf: no entry gets any weight.
        return result
    result[unmasked] = np.exp(x[unmasked] - m)
    return result / result.sum()


def causal_mask(length):
    """Return the [T, T] mask that is True where j > i."""
    return np.triu(np.ones((length, length), dtype=bool), k=1)


# Forward stages. Each takes float32 arrays, computes in float64 and returns
# float32.


def as_float64(array):
    return np.asarray(array, dtype=np.float64)


def as_float32(array):
    return np.asarray(array, dtype=np.float64).astype(np.float32)


def linear(inputs, weight, bias=None):
    """Compute inputs @ weight (+ bias)."""
    result = as_float64(inputs) @ as_float64(weight)
    if bias is not None:
        result = result + as_float64(bias)
    return as_float32(result)


def head_columns(k, d_head):
    return slice(k * d_head, (k + 1) * d_head)


def attention_scores(queries, keys, heads, mask):
    """Compute S[k] = Q_k K_k^T / sqrt(d_head) for every head k, -inf where mask[i, j]."""
    length, d = queries.shape
    d_head = d // heads
    scores = np.empty((heads, length, length), dtype=np.float64)  # [h, T, T]
    for k in range(heads):
        q = as_float64(queries[:, head_columns(k, d_head)])  # [T, d_head]
        key = as_float64(keys[:, head_columns(k, d_head)])  # [T, d_head]
        scores[k] = np.where(mask, -np.inf, q @ key.T / math.sqrt(d_head))  # [T, T]
    return as_float32(scores)


def attention_weights(scores, mask):
    """Apply the masked softmax to each row of each head's scores."""
    heads, length, _ = scores.shape
    weights = np.empty(scores.shape, dtype=np.float64)  # [h, T, T]
    for k in range(heads):
        for i in range(length):
            weights[k, i] = softmax(scores[k, i], mask[i])
    return as_float32(weights)


def attention_context(weights, values):
    """Compute C_k = A[k] V_k and place the heads side by side."""
    heads = weights.shape[0]
    length, d = values.shape
    d_head = d // heads
    context = np.empty((length, d), dtype=np.float64)  # [T, d]
    for k in range(heads):
        value = as_float64(values[:, head_columns(k, d_head)])  # [T, d_head]
        context[:, head_columns(k, d_head)] = as_float64(weights[k]) @ value
    return as_float32(context)


def add(a, b):
    return as_float32(as_float64(a) + as_float64(b))


def relu_linear(inputs, weight, bias):
    """Compute ReLU(inputs @ weight + bias)."""
    result = as_float64(inputs) @ as_float64(weight) + as_float64(bias)
    return as_float32(np.maximum(result, 0.0))


def row_softmax(logits):
    """Apply the unmasked softmax to each row."""
    return as_float32(np.stack([softmax(row) for row in logits]))


def predict(probabilities, vocabulary):
    """Pick the argmax of the last row. np.argmax breaks ties to the lowest id."""
    last = probabilities[-1]
    token_id = int(np.argmax(last))
    return {"id": token_id, "word": vocabulary[token_id], "probability": float(last[token_id])}


def forward(text, config):
    """Run the model on `text`.

    Returns the vocabulary, ids, attention mask, parameters, stages and prediction.
    """
    d = config["embeddingSize"]
    heads = config["heads"]
    if d % heads != 0:
        raise ValueError(
            f"embeddingSize {d} is not divisible by heads {heads}. Pick a heads count that divides it."
        )

    tokens = tokenize(text)[-config["contextLength"] :]
    if not tokens:
        raise ValueError(f"text {text!r} has no tokens. Give it at least one word or symbol.")
    vocabulary, ids = build_vocabulary(tokens)
    parameters = build_parameters(config, len(vocabulary))
    length = len(ids)
    if config["causalMask"]:
        mask = causal_mask(length)
    else:
        mask = np.zeros((length, length), dtype=bool)

    embeddings = parameters["embeddings"][ids]  # [T, d]
    positions = position_vectors(config, parameters, length)  # [T, d] or None
    if positions is None:
        block_input = embeddings
    else:
        block_input = add(embeddings, positions)  # [T, d]
    queries = linear(block_input, parameters["queryWeight"])  # [T, d]
    keys = linear(block_input, parameters["keyWeight"])  # [T, d]
    values = linear(block_input, parameters["valueWeight"])  # [T, d]
    scores = attention_scores(queries, keys, heads, mask)  # [h, T, T]
    weights = attention_weights(scores, mask)  # [h, T, T]
    context = attention_context(weights, values)  # [T, d]
    attention = linear(context, parameters["outputWeight"])  # [T, d]
    residual = add(block_input, attention)  # [T, d]
    hidden = relu_linear(residual, parameters["w1"], parameters["b1"])  # [T, d_ff]
    feed_forward = linear(hidden, parameters["w2"], parameters["b2"])  # [T, d]
    output = add(residual, feed_forward)  # [T, d]
    logits = linear(output, parameters["vocabularyWeight"], parameters["vocabularyBias"])  # [T, V]
    probabilities = row_softmax(logits)  # [T, V]

    stages = {
        "embeddings": embeddings,
        "queries": queries,
        "keys": keys,
        "values": values,
        "scores": scores,
        "weights": weights,
        "context": context,
        "attention": attention,
        "residual": residual,
        "hidden": hidden,
        "feedForward": feed_forward,
        "output": output,
        "logits": logits,
        "probabilities": probabilities,
    }
    if positions is not None:
        stages["positions"] = positions
    return {
        "vocabulary": vocabulary,
        "ids": ids,
        "mask": mask,
        "parameters": parameters,
        "stages": stages,
        "prediction": predict(probabilities, vocabulary),
    }


# Fixtures

FORWARD_CASES = [
    {
        "name": "seed example",
        "text": "Hello how are you hello",
        "config": dict(DEFAULT_CONFIG),
    },
    {
        "name": "two heads without causal mask",
        "text": "The cat sat, the cat ran. The dog sat.",
        "config": {
            "embeddingSize": 8,
            "heads": 2,
            "feedForwardSize": 12,
            "seed": 7,
            "causalMask": False,
            "contextLength": 512,
        },
    },
    {
        "name": "four heads with causal mask",
        "text": "One fish, two fish, red fish, blue fish. Say! What a lot of fish there are.",
        "config": {
            "embeddingSize": 16,
            "heads": 4,
            "feedForwardSize": 32,
            "seed": 3,
            "causalMask": True,
            "contextLength": 512,
        },
    },
    {
        "name": "context length keeps last tokens",
        "text": "Where are you going? I am going home.",
        "config": {
            "embeddingSize": 8,
            "heads": 1,
            "feedForwardSize": 8,
            "seed": 1,
            "causalMask": True,
            "contextLength": 6,
        },
    },
    {
        "name": "single token",
        "text": "Hello",
        "config": dict(DEFAULT_CONFIG),
    },
]

# Models with position vectors. They live in positions.json, apart from
# forward.json, because their attention input is embeddings + positions.
POSITION_CASES = [
    {
        "name": "sinusoidal positions, two heads",
        "text": "the cat sat on the mat and the cat ran .",
        "config": {
            "embeddingSize": 8,
            "heads": 2,
            "feedForwardSize": 12,
            "seed": 7,
            "causalMask": True,
            "contextLength": 512,
            "positions": "sinusoidal",
        },
    },
    {
        "name": "learned positions, context length keeps last tokens",
        "text": "Where are you going? I am going home.",
        "config": {
            "embeddingSize": 6,
            "heads": 1,
            "feedForwardSize": 8,
            "seed": 2,
            "causalMask": True,
            "contextLength": 6,
            "positions": "learned",
        },
    },
    {
        "name": "sinusoidal positions, odd size, no mask",
        "text": "One two three four five six seven",
        "config": {
            "embeddingSize": 5,
            "heads": 1,
            "feedForwardSize": 4,
            "seed": 9,
            "causalMask": False,
            "contextLength": 512,
            "positions": "sinusoidal",
        },
    },
]

SOFTMAX_CASES = [
    {"name": "large values", "input": [800.0, 1.0, 1.0]},
    {"name": "large negative value", "input": [-800.0, 0.0]},
    {"name": "increasing values", "input": [1.0, 2.0, 3.0]},
    {"name": "all masked", "input": [1.0, 2.0, 3.0], "mask": [True, True, True]},
    {"name": "all -Infinity", "input": [-np.inf, -np.inf]},
    {"name": "partly masked", "input": [1.0, 2.0, 3.0, 4.0], "mask": [False, False, True, True]},
    {"name": "negative infinity entry", "input": [-math.inf, 0.0, 1.0]},
    {"name": "positive infinity entries", "input": [math.inf, 1.0, math.inf]},
    {"name": "NaN entry", "input": [1.0, math.nan, 2.0]},
    {"name": "masked NaN entry", "input": [1.0, math.nan, 2.0], "mask": [False, True, False]},
]

FNV_TEXTS = ["", "a", "42:embedding:3", "42:attention.query", "7:embedding:ñ"]
MULBERRY32_SEEDS = [0, 42, 4294967295]
NORMAL_STREAM = "42:attention.query"


def encode_number(value):
    """Convert a number to JSON, with non-finite values as strings."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def encode_array(array):
    """Encode a float32 array as {shape, data} with the data in row-major order."""
    array = np.asarray(array)
    return {
        "shape": list(array.shape),
        "data": [encode_number(x) for x in array.reshape(-1)],
    }


def build_random_fixture():
    # NOTE: the normal draws come from Python's math.log and math.cos (C libm).
    # V8's Math.log and Math.cos can differ in the last float64 bit, as the
    # sixth draw here does under Node 20, so compare them with a relative
    # tolerance. The float32 parameters in forward.json match exactly.
    normal_state = fnv1a32(NORMAL_STREAM)
    return {
        "mulberry32": [
            {"seed": seed, "draws": [next(generator) for _ in range(8)]}
            for seed, generator in ((seed, mulberry32(seed)) for seed in MULBERRY32_SEEDS)
        ],
        "fnv1a32": [{"text": text, "hash": fnv1a32(text)} for text in FNV_TEXTS],
        "normal": {
            "stream": NORMAL_STREAM,
            "state": normal_state,
            "draws": normal_draws(normal_state, 6),
        },
    }


def build_softmax_fixture():
    cases = []
    for case in SOFTMAX_CASES:
        entry = {"name": case["name"], "input": [encode_number(x) for x in case["input"]]}
        if "mask" in case:
            entry["mask"] = case["mask"]
        expected = softmax(case["input"], case.get("mask"))
        entry["expected"] = [encode_number(x) for x in expected]
        cases.append(entry)
    return cases


def build_forward_fixture(forward_cases):
    cases = []
    for case in forward_cases:
        result = forward(case["text"], case["config"])
        cases.append(
            {
                "name": case["name"],
                "text": case["text"],
                "config": case["config"],
                "vocabulary": result["vocabulary"],
                "ids": result["ids"],
                "parameters": {
                    name: encode_array(value) for name, value in result["parameters"].items()
                },
                "stages": {name: encode_array(value) for name, value in result["stages"].items()},
                "prediction": result["prediction"],
            }
        )
    return cases


def format_json(value, indent=0):
    """Format like json.dumps(indent=2) but keep lists of scalars on one line."""
    padding = "  " * (indent + 1)
    closing = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{padding}{json.dumps(key, ensure_ascii=False)}: {format_json(item, indent + 1)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + closing + "}"
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            return "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in value) + "]"
        items = [padding + format_json(item, indent + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + closing + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def build_fixture_texts():
    """Return the text of each fixture file by file name."""
    fixtures = {
        "random.json": build_random_fixture(),
        "softmax.json": build_softmax_fixture(),
        "forward.json": build_forward_fixture(FORWARD_CASES),
        "positions.json": build_forward_fixture(POSITION_CASES),
    }
    return {name: format_json(value) + "\n" for name, value in fixtures.items()}


def write_fixtures():
    FIXTURE_DIRECTORY.mkdir(parents=True, exist_ok=True)
    for name, text in build_fixture_texts().items():
        path = FIXTURE_DIRECTORY / name
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text.encode('utf-8'))} bytes)")


# Self-checks


def run_checks():
    """Run the self-checks, print one line each and return True if all pass."""
    results = []

    def check(passed, description):
        results.append(passed)
        print(f"{'ok  ' if passed else 'FAIL'} {description}")

    seed_case = FORWARD_CASES[0]
    result = forward(seed_case["text"], seed_case["config"])

    vocabulary = result["vocabulary"]
    expected_vocabulary = ["Hello", "how", "are", "you", "hello"]
    check(
        vocabulary == expected_vocabulary,
        f"seed example vocabulary is {expected_vocabulary} (got {vocabulary})",
    )

    ids = result["ids"]
    check(ids == [0, 1, 2, 3, 4], f"seed example ids are [0, 1, 2, 3, 4] (got {ids})")

    weights = as_float64(result["stages"]["weights"])  # [h, T, T]
    mask = result["mask"]
    row_sums = np.where(mask, 0.0, weights).sum(axis=-1)  # [h, T]
    max_error = float(np.abs(row_sums - 1.0).max())
    check(max_error < 1e-6, f"seed example weights rows sum to 1 over unmasked entries (max error {max_error:.2e})")

    masked_max = float(np.abs(weights[:, mask]).max())
    check(masked_max == 0.0, f"seed example masked weights are 0 (max {masked_max})")

    first_row = position_vectors({"embeddingSize": 4, "positions": "sinusoidal"}, {}, 1)[0]
    check(
        first_row.tolist() == [0.0, 1.0, 0.0, 1.0],
        f"sinusoidal position 0 is [sin 0, cos 0, ...] = [0, 1, 0, 1] (got {first_row.tolist()})",
    )

    large = softmax([800.0, 1.0, 1.0])
    check(bool(np.isfinite(large).all()), f"softmax([800, 1, 1]) is finite (got {large.tolist()})")

    stale = [
        name
        for name, text in build_fixture_texts().items()
        if not (FIXTURE_DIRECTORY / name).is_file()
        or (FIXTURE_DIRECTORY / name).read_text(encoding="utf-8") != text
    ]
    description = "fixture files match a fresh run"
    if stale:
        description += f" (stale or missing: {stale}). Rerun without --check to rewrite them"
    check(not stale, description)

    return all(results)


def main(arguments):
    if arguments == ["--check"]:
        return 0 if run_checks() else 1
    if arguments:
        print(
            f"Unknown arguments {arguments}. Pass none to rewrite the fixtures, or --check.",
            file=sys.stderr,
        )
        return 2
    write_fixtures()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
