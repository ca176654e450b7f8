import { After, Before, BeforeStep, setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import type { DocStringSource } from '../../src/scenario/driver';
import { scenarioEvidenceParts } from '../../src/scenario/engine/scenario-evidence';
import { ScenarioPlatform } from '../../src/scenario/engine/scenario-platform';
import { buildEvidence, EVIDENCE_MEDIA_TYPE } from '../../src/scenario/evidence';
import { parseGuidWord } from '../../src/scenario/vocabulary';

/** One World per scenario, holding one platform (and, once it boots, one machine). */
export class MmspecWorld extends World {
  readonly platform = new ScenarioPlatform();
  pickleName = '';
  /** Where the current step's doc string starts (file, line of its first content line). */
  step: DocStringSource = { file: '<feature>', line: 1 };
  /** Bytes the last "code outside MM reads …" step saw. */
  outsideRead: Uint8Array | undefined;

  constructor(options: IWorldOptions) {
    super(options);
  }

  docSource(): DocStringSource {
    return this.step;
  }

  guid(text: string): string {
    return parseGuidWord(text, this.platform.scenarioDrivers.registry);
  }
}

setWorldConstructor(MmspecWorld);

Before(function (this: MmspecWorld, { pickle }) {
  this.pickleName = pickle.name;
});

// The doc string's place in the feature file, so action-list errors name file:line:column.
BeforeStep(function (this: MmspecWorld, { pickle, pickleStep, gherkinDocument }) {
  const id = pickleStep.astNodeIds[0];
  const children = gherkinDocument.feature?.children ?? [];
  const scenarios = children.flatMap((c) => [c.scenario, c.background, ...(c.rule?.children ?? []).flatMap((r) => [r.scenario, r.background])]);
  for (const s of scenarios) {
    const step = s?.steps.find((x) => x.id === id);
    if (step) {
      this.step = { file: pickle.uri, line: step.docString?.location.line ?? step.location.line, column: step.docString?.location.column ?? 1 };
      return;
    }
  }
  this.step = { file: pickle.uri, line: 1 };
});

// After every scenario: the paging audit over the live page tables (its findings join the trace), then the evidence.
After(async function (this: MmspecWorld, { pickle }) {
  const requirementIds = pickle.tags.map((t) => t.name).filter((t) => t.startsWith('@req:')).map((t) => t.slice(5));
  const parts = scenarioEvidenceParts(this.platform);
  await this.attach(JSON.stringify(buildEvidence({ ...parts, requirementIds })), EVIDENCE_MEDIA_TYPE);
});
