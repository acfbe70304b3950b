/** Drives the built training worker (dist/trainWorker.js) through TrainingJob in plain Node. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EpochReport } from '../../../src/model/train/train';
import { TrainingJob } from '../../../src/training/trainingJob';
import { REPO_ROOT } from '../fixtures';

const WORKER = path.join(REPO_ROOT, 'dist', 'trainWorker.js');
const SAMPLE = readFileSync(path.join(REPO_ROOT, 'samples', 'gettysburg-address.txt'), 'utf8');

describe('TrainingJob', function () {
  this.timeout(60_000);

  it('returns the trained model', async () => {
    const reports: EpochReport[] = [];
    const job = new TrainingJob(WORKER, 'the cat sat on the mat .', { epochs: 3 }, (report) =>
      reports.push(report),
    );
    const outcome = await job.result;
    assert.equal(outcome.kind, 'done');
    assert.equal(reports.length, 3);
    assert.equal(job.isRunning, false);
    if (outcome.kind === 'done') {
      assert.deepEqual(outcome.model.vocabulary, ['<unk>', 'the', 'cat', 'sat', 'on', 'mat', '.']);
    }
  });

  it('cancel ends the run before its next step', async () => {
    let job: TrainingJob | undefined;
    job = new TrainingJob(WORKER, SAMPLE, { epochs: 500 }, () => job?.cancel());
    const outcome = await job.result;
    assert.equal(outcome.kind, 'cancelled');
    assert.ok(job.finishedEpochs < 500, `${job.finishedEpochs} epochs ran`);
  });

  it('stop ends the worker mid-run', async () => {
    let epochsAfterStop = 0;
    let stopping: Promise<void> | undefined;
    let job: TrainingJob | undefined;
    job = new TrainingJob(WORKER, SAMPLE, { epochs: 500 }, () => {
      if (stopping === undefined) {
        stopping = job?.stop();
      } else {
        epochsAfterStop++;
      }
    });
    const outcome = await job.result;
    await stopping;
    assert.equal(outcome.kind, 'stopped');
    assert.equal(job.isRunning, false);
    assert.equal(epochsAfterStop, 0);
  });

  it('reports a diverging learning rate', async () => {
    const job = new TrainingJob(WORKER, SAMPLE, { epochs: 5, learningRate: 1000 }, () => undefined);
    const outcome = await job.result;
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind === 'failed') {
      assert.equal(outcome.reason, 'diverged');
    }
  });

  it('reports invalid options', async () => {
    const job = new TrainingJob(WORKER, SAMPLE, { epochs: 0 }, () => undefined);
    const outcome = await job.result;
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind === 'failed') {
      assert.equal(outcome.reason, 'invalid');
      assert.match(outcome.message, /epochs is 0/);
    }
  });
});
