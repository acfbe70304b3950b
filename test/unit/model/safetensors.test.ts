/**
 * The safetensors encoder and decoder, and the model file on top of them: a
 * round trip keeps every bit, and every kind of damaged file is rejected
 * with a ModelFileError that names the fault.
 */
import * as assert from 'node:assert/strict';
import { ModelConfig } from '../../../src/model/config';
import { PARAMETER_NAMES, initParameters } from '../../../src/model/parameters';
import {
  ModelFileError,
  decodeSafetensors,
  encodeSafetensors,
} from '../../../src/model/safetensors';
import { Tensor } from '../../../src/model/tensor';
import { decodeModelFile, encodeModelFile } from '../../../src/model/train/modelFile';
import { TrainedModel } from '../../../src/model/train/trainedModel';

const CONFIG: ModelConfig = {
  embeddingSize: 4,
  heads: 2,
  feedForwardSize: 6,
  seed: 1,
  causalMask: true,
  contextLength: 3,
  positions: 'learned',
};

function smallModel(): TrainedModel {
  const vocabulary = ['<unk>', 'a', 'b'];
  return {
    config: CONFIG,
    vocabulary,
    parameters: initParameters(CONFIG, vocabulary.length),
    info: { document: 'notes.txt', steps: 12, epochs: 3, finalLoss: 0.123456789, accuracy: 0.75 },
  };
}

/** Builds a file from a header object and raw data bytes, as a damaged file would be. */
function rawFile(header: unknown, data: Uint8Array, headerSize?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const file = new Uint8Array(8 + json.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerSize ?? json.length), true);
  file.set(json, 8);
  file.set(data, 8 + json.length);
  return file;
}

function floats(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  values.forEach((value, i) => new DataView(bytes.buffer).setFloat32(i * 4, value, true));
  return bytes;
}

/** A valid two-tensor file: a is [2] at bytes 0..8, b is [1] at bytes 8..12. */
const GOOD_HEADER = {
  a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
};

/**
 * A parsed file header. `any` because the tests rewrite arbitrary parts of
 * it, including values of the wrong type.
 */
type Header = Record<string, any>;

/** Re-encodes the small model's file after `edit` changes its header. */
function editedModelFile(edit: (header: Header) => void): Uint8Array {
  const bytes = encodeModelFile(smallModel());
  const size = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size))) as Header;
  edit(header);
  return rawFile(header, bytes.subarray(8 + size));
}

describe('safetensors', () => {
  it('round trip keeps tensors and metadata', () => {
    const tensors = new Map<string, Tensor>([
      ['x', { shape: [2, 2], data: Float32Array.from([1.5, -2, 3.25, 1e-30]) }],
      ['empty', { shape: [0, 3], data: new Float32Array(0) }],
      ['y', { shape: [1], data: Float32Array.from([Math.fround(0.1)]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { note: 'héllo' });
    const decoded = decodeSafetensors(bytes);
    assert.deepEqual(decoded.metadata, { note: 'héllo' });
    assert.deepEqual([...decoded.tensors.keys()].sort(), ['empty', 'x', 'y']);
    for (const [name, tensor] of tensors) {
      assert.deepEqual(decoded.tensors.get(name)?.shape, tensor.shape, `${name} shape`);
      assert.deepEqual(decoded.tensors.get(name)?.data, tensor.data, `${name} data`);
    }
  });

  it('pads the header to 8 bytes', () => {
    const bytes = encodeSafetensors(new Map([['t', { shape: [1], data: Float32Array.of(1) }]]), {});
    const size = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(size % 8, 0);
  });

  it('accepts a hand-made valid file', () => {
    const { tensors } = decodeSafetensors(rawFile(GOOD_HEADER, floats(1, 2, 3)));
    assert.deepEqual(Array.from(tensors.get('a')?.data ?? []), [1, 2]);
    assert.deepEqual(Array.from(tensors.get('b')?.data ?? []), [3]);
  });

  const damaged: [string, () => Uint8Array, RegExp][] = [
    ['file shorter than 8 bytes', () => new Uint8Array(5), /truncated.*5 bytes/],
    [
      'truncated header',
      () => rawFile(GOOD_HEADER, floats(1, 2, 3)).subarray(0, 20),
      /truncated: its header size is \d+ bytes/,
    ],
    ['truncated data', () => rawFile(GOOD_HEADER, floats(1, 2)), /outside the 8 data bytes/],
    ['header size 0', () => rawFile(GOOD_HEADER, floats(1, 2, 3), 0), /invalid header size 0/],
    [
      'header size beyond 100 MB',
      () => rawFile(GOOD_HEADER, floats(1, 2, 3), 2 ** 40),
      /invalid header size 1099511627776/,
    ],
    [
      'bad JSON',
      () => {
        const file = rawFile(GOOD_HEADER, floats(1, 2, 3));
        file[8] = 'x'.charCodeAt(0);
        return file;
      },
      /invalid JSON header/,
    ],
    ['JSON that is not an object', () => rawFile([1, 2], new Uint8Array(0)), /must be an object/],
    [
      'wrong dtype',
      () => rawFile({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, floats(1)),
      /dtype "F16", but only F32/,
    ],
    [
      'offsets out of range',
      () => rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, floats(1, 2)),
      /data_offsets \[4,12\] outside the 8 data bytes/,
    ],
    [
      'offsets reversed',
      () => rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, floats(1, 2)),
      /data_offsets \[8,4\]/,
    ],
    [
      'overlapping tensors',
      () =>
        rawFile(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          floats(1, 2, 3),
        ),
      /"b" overlaps tensor "a"/,
    ],
    [
      'gap between tensors',
      () =>
        rawFile(
          {
            a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          floats(1, 2, 3),
        ),
      /unused bytes 4 to 8/,
    ],
    [
      'trailing bytes',
      () => rawFile(GOOD_HEADER, floats(1, 2, 3, 4)),
      /16 bytes, but the tensors cover 12/,
    ],
    [
      'shape that disagrees with the offsets',
      () => rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, floats(1, 2)),
      /shape \[3\], which needs 12 bytes, but its data_offsets span 8/,
    ],
    [
      'invalid shape',
      () => rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, new Uint8Array(0)),
      /invalid shape \[-1\]/,
    ],
    [
      'NaN value',
      () => rawFile(GOOD_HEADER, floats(1, NaN, 3)),
      /"a" has the non-finite value NaN at index 1/,
    ],
    [
      'Infinity value',
      () => rawFile(GOOD_HEADER, floats(1, 2, -Infinity)),
      /"b" has the non-finite value -Infinity at index 0/,
    ],
    [
      'non-string metadata',
      () => rawFile({ ...GOOD_HEADER, __metadata__: { steps: 3 } }, floats(1, 2, 3)),
      /__metadata__: it must be an object of string values/,
    ],
  ];
  for (const [name, build, message] of damaged) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => decodeSafetensors(build()),
        (error: unknown) => {
          assert.ok(
            error instanceof ModelFileError,
            `expected ModelFileError, got ${String(error)}`,
          );
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('model file', () => {
  it('round trip keeps weights, vocabulary and info', () => {
    const model = smallModel();
    const decoded = decodeModelFile(encodeModelFile(model));
    assert.deepEqual(decoded.config, model.config);
    assert.deepEqual(decoded.vocabulary, model.vocabulary);
    assert.deepEqual(decoded.info, model.info);
    for (const name of PARAMETER_NAMES) {
      assert.deepEqual(
        decoded.parameters[name].shape,
        model.parameters[name].shape,
        `${name} shape`,
      );
      assert.deepEqual(decoded.parameters[name].data, model.parameters[name].data, `${name} data`);
    }
  });

  it('stores metadata as strings', () => {
    const bytes = encodeModelFile(smallModel());
    const { metadata } = decodeSafetensors(bytes);
    assert.equal(metadata.format, 'tiny-llm');
    assert.equal(metadata.format_version, '1');
    assert.deepEqual(JSON.parse(metadata.vocabulary), ['<unk>', 'a', 'b']);
    assert.deepEqual(JSON.parse(metadata.config), CONFIG);
    assert.equal(metadata.document, 'notes.txt');
    assert.equal(metadata.steps, '12');
    assert.equal(metadata.epochs, '3');
    assert.equal(metadata.final_loss, '0.123456789');
    assert.equal(metadata.accuracy, '0.75');
  });

  it('rejects missing tensor', () => {
    const model = smallModel();
    const { metadata } = decodeSafetensors(encodeModelFile(model));
    const tensors = new Map<string, Tensor>(
      PARAMETER_NAMES.filter((name) => name !== 'w2').map((name) => [name, model.parameters[name]]),
    );
    assert.throws(
      () => decodeModelFile(encodeSafetensors(tensors, metadata)),
      (error: unknown) =>
        error instanceof ModelFileError && /lacks tensor "w2"/.test(error.message),
    );
  });

  const damaged: [string, (header: Header) => void, RegExp][] = [
    [
      'unknown tensor',
      (header) => {
        header.extra = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
      },
      /unknown tensor "extra"/,
    ],
    [
      'shape that disagrees with the vocabulary',
      (header) => {
        header.__metadata__.vocabulary = JSON.stringify(['<unk>', 'a', 'b', 'c']);
      },
      /"embeddings" has shape \[3, 4\], but the metadata sizes need \[4, 4\]/,
    ],
    [
      'shape that disagrees with the config',
      (header) => {
        header.__metadata__.config = JSON.stringify({ ...CONFIG, feedForwardSize: 2 });
      },
      /"w1" has shape \[4, 6\], but the metadata sizes need \[4, 2\]/,
    ],
    [
      'learned positions without their table',
      (header) => {
        header.__metadata__.config = JSON.stringify({ ...CONFIG, contextLength: 5 });
      },
      /"positions" has shape \[3, 4\], but the metadata sizes need \[5, 4\]/,
    ],
    ['missing format', (header) => delete header.__metadata__.format, /not a tiny-llm model/],
    [
      'other format version',
      (header) => {
        header.__metadata__.format_version = '2';
      },
      /format_version "2"/,
    ],
    ['missing vocabulary', (header) => delete header.__metadata__.vocabulary, /lacks "vocabulary"/],
    [
      'vocabulary without <unk>',
      (header) => {
        header.__metadata__.vocabulary = JSON.stringify(['x', 'a', 'b']);
      },
      /starts with "<unk>"/,
    ],
    [
      'config that is not JSON',
      (header) => {
        header.__metadata__.config = '{embeddingSize: 4';
      },
      /"config" is not valid JSON/,
    ],
    [
      'config with a bad value',
      (header) => {
        header.__metadata__.config = JSON.stringify({ ...CONFIG, heads: 3 });
      },
      /not divisible by heads 3/,
    ],
    [
      'config without positions',
      (header) => {
        const { positions: _positions, ...rest } = CONFIG;
        header.__metadata__.config = JSON.stringify(rest);
      },
      /"config" lacks positions/,
    ],
    [
      'non-numeric steps',
      (header) => {
        header.__metadata__.steps = 'many';
      },
      /"steps" is "many"/,
    ],
    [
      'blank final loss',
      (header) => {
        header.__metadata__.final_loss = ' ';
      },
      /"final_loss" is " ", but it must be a finite number/,
    ],
  ];
  for (const [name, edit, message] of damaged) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => decodeModelFile(editedModelFile(edit)),
        (error: unknown) => {
          assert.ok(
            error instanceof ModelFileError,
            `expected ModelFileError, got ${String(error)}`,
          );
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
