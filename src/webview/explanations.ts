/**
 * The plain-language text beside each stage. It is written for a learner
 * who learned the five steps from study notes (tokens, embedding, attention,
 * feed-forward, output) and now watches them run on their own text.
 */

export interface StageText {
  readonly title: string;
  /** The formula of the stage, in the notation of numpy code. */
  readonly formula: string;
  readonly explanation: string;
  /**
   * The plain TypeScript loops that compute the stage, which the fast
   * WebAssembly kernels must match: exported functions by source file.
   */
  readonly readableCode: readonly ReadableCode[];
}

export interface ReadableCode {
  readonly file: string;
  readonly functions: readonly string[];
}

const MATRIX = 'src/model/matrix.ts';
const ATTENTION = 'src/model/attention.ts';

export const STAGE_TEXT = {
  tokens: {
    title: 'Tokens',
    formula: 'text → tokens → ids',
    explanation:
      'The text is cut into tokens: words and punctuation marks. Each token not seen earlier in ' +
      'this text gets the next free number, so the vocabulary is the list of distinct tokens in ' +
      'the order they first appear. Untrained, the model has no other words, so the output ' +
      'layer has one column per token here. Capitals count: “Hello” and “hello” differ.',
    readableCode: [{ file: 'src/model/tokenizer.ts', functions: ['tokenize'] }],
  },
  embeddings: {
    title: 'Embedding',
    formula: 'X = E[ids]',
    explanation:
      'Each id picks one row of a table of numbers: that token’s embedding vector. The same token ' +
      'always gets the same row. The numbers are random, drawn from the seed; training would move ' +
      'them so that words used in similar ways end up with similar vectors.',
    readableCode: [{ file: 'src/model/forward.ts', functions: ['forward'] }],
  },
  positions: {
    title: 'Position vectors',
    formula: 'X = E[ids] + P',
    explanation:
      'Attention on its own cannot tell where a token stands. Adding a position vector to ' +
      'each embedding, one per place in the text, lets the model tell “dog bites man” from ' +
      '“man bites dog”.',
    readableCode: [
      {
        file: 'src/model/positions.ts',
        functions: ['positionVectors', 'sinusoidalPositions'],
      },
    ],
  },
  queries: {
    title: 'Queries',
    formula: 'Q = X @ W_q',
    explanation: 'A query is what a token is looking for in the other tokens.',
    readableCode: [{ file: MATRIX, functions: ['referenceMatmul'] }],
  },
  keys: {
    title: 'Keys',
    formula: 'K = X @ W_k',
    explanation: 'A key is what a token offers, for other tokens’ queries to match against.',
    readableCode: [{ file: MATRIX, functions: ['referenceMatmul'] }],
  },
  values: {
    title: 'Values',
    formula: 'V = X @ W_v',
    explanation: 'A value is the information a token passes on when another token attends to it.',
    readableCode: [{ file: MATRIX, functions: ['referenceMatmul'] }],
  },
  scores: {
    title: 'Attention scores',
    formula: 'S = Q @ K.T / sqrt(d_head)',
    explanation:
      'Every query is compared with every key by a dot product: the higher the score, the better ' +
      'they match. Dividing by √d_head keeps the scores small enough that softmax does not put ' +
      'all the weight on one token.',
    readableCode: [{ file: ATTENTION, functions: ['referenceAttentionHeads'] }],
  },
  weights: {
    title: 'Attention weights',
    formula: 'A = softmax(S) per row',
    explanation:
      'Softmax turns each row of scores into percentages that add up to 100%: how much the token ' +
      'in that row takes from each token in the columns. Rows are the tokens doing the looking.',
    readableCode: [{ file: ATTENTION, functions: ['referenceAttentionHeads'] }],
  },
  context: {
    title: 'Context vectors',
    formula: 'C = A @ V',
    explanation:
      'Each token’s context vector is a blend of all the value vectors, mixed in the proportions of ' +
      'its row of attention weights.',
    readableCode: [{ file: ATTENTION, functions: ['referenceAttentionHeads'] }],
  },
  attentionBlock: {
    title: 'Attention',
    formula: 'softmax(Q @ K.T / sqrt(d_head)) @ V',
    explanation:
      'Attention lets each token gather information from the other tokens. With several ' +
      'heads, each head does this on its own slice of the columns and can look for ' +
      'something different.',
    readableCode: [
      { file: ATTENTION, functions: ['referenceAttentionHeads'] },
      { file: MATRIX, functions: ['referenceMatmul'] },
    ],
  },
  attention: {
    title: 'Attention output',
    formula: 'C @ W_o, then R = X + C @ W_o',
    explanation:
      'An output matrix mixes the heads’ results back into one vector per token. That vector is ' +
      'added to the token’s embedding (a residual connection), so what the token meant on its own ' +
      'is kept and attention only adds to it.',
    readableCode: [{ file: MATRIX, functions: ['referenceMatmul', 'referenceAdd'] }],
  },
  hidden: {
    title: 'Feed-forward hidden layer',
    formula: 'H = ReLU(R @ W1 + b1)',
    explanation:
      'A small neural network now works on each token by itself. Its first layer multiplies by W1, ' +
      'adds the bias b1 and sets every negative number to 0 (ReLU), giving a wider vector.',
    readableCode: [
      {
        file: MATRIX,
        functions: ['referenceMatmul', 'referenceAddBias', 'referenceRelu'],
      },
    ],
  },
  feedForward: {
    title: 'Feed-forward output',
    formula: 'F = H @ W2 + b2, then Y = R + F',
    explanation:
      'The second layer multiplies by W2 and adds b2, bringing the vector back to the embedding ' +
      'size. The result is added to R, the vector that went into this layer, giving each ' +
      'token’s final vector.',
    readableCode: [
      {
        file: MATRIX,
        functions: ['referenceMatmul', 'referenceAddBias', 'referenceAdd'],
      },
    ],
  },
  output: {
    title: 'Prediction',
    formula: 'P = softmax(Y @ W_out + b_out)',
    explanation:
      'The last token’s final vector is multiplied by one column per vocabulary word, giving a ' +
      'score (logit) for every word. Softmax turns the scores into probabilities, and the word ' +
      'with the highest probability, the argmax, is the prediction.',
    readableCode: [
      { file: MATRIX, functions: ['referenceMatmul', 'referenceAddBias'] },
      { file: 'src/model/softmax.ts', functions: ['referenceSoftmaxRow'] },
    ],
  },
} as const satisfies Record<string, StageText>;

/** Explanations that differ once the model is trained and has a vocabulary of its own. */
export const TRAINED_STAGE_TEXT = {
  tokens: {
    ...STAGE_TEXT.tokens,
    explanation:
      'The text is cut into tokens: words and punctuation marks. Each token gets the id it has ' +
      'in the vocabulary of the training text. A word that text never contained becomes ' +
      '<unk>, id 0, because the model has no row for it.',
  },
  embeddings: {
    ...STAGE_TEXT.embeddings,
    explanation:
      'Each id picks one row of a table of numbers: that token’s embedding vector. The rows ' +
      'started as random numbers; training moved them so that they help predict the next word.',
  },
} as const satisfies Record<string, StageText>;

export const UNTRAINED_NOTICE =
  'The weights are random and untrained, so the model tends to predict the same few words ' +
  'whatever the text says. That is expected: training would adjust the weights until the ' +
  'predictions fit the text. Run Tiny LLM: Train on Document to train it on your own text.';

export const CAUSAL_MASK_NOTE =
  'The causal mask is on: a token may look only at itself and earlier tokens, because when the ' +
  'model predicts the next word, the later words do not exist yet. A masked score is −∞, which ' +
  'softmax turns into weight 0; the tables show masked cells as “–”.';

export const NO_MASK_NOTE =
  'The causal mask is off (tinyLlm.causalMask): every token may look at every other token, ' +
  'including later ones.';

export const POSITION_NOTE =
  'The model has no position information: apart from the causal mask, it would see the same ' +
  'words in any order the same way.';
