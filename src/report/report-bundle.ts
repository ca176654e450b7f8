import type { ConformanceModel } from './conformance/conformance-model';
import type { OpcodeCoverageSummary } from './coverage/opcode-coverage-report';
import type { PolicyCoverage } from './coverage/policy-coverage';
import type { StepUsage } from './coverage/step-usage';

/** Requirement coverage: how many requirements some scenario decided. */
export interface RequirementCoverage {
  total: number;
  testable: number;
  /** Requirements with status passed or failed. */
  covered: number;
  /** Covered testable requirements / testable requirements, in percent with one decimal (0 when none). */
  percent: number;
}

/** Everything the writers need: the conformance model and the coverage figures. */
export interface ReportBundle {
  conformance: ConformanceModel;
  coverage: {
    requirements: RequirementCoverage;
    policies: PolicyCoverage[];
    /** Absent when no opcode-coverage file was found. */
    opcodes?: OpcodeCoverageSummary;
    /** Absent when neither usage-json nor step definitions in the messages were available. */
    steps?: StepUsage;
  };
}

export function requirementCoverage(m: ConformanceModel): RequirementCoverage {
  const testable = m.requirements.filter((r) => r.testable);
  const covered = testable.filter((r) => r.status !== 'not covered').length;
  return {
    total: m.requirements.length,
    testable: testable.length,
    covered: m.requirements.filter((r) => r.status !== 'not covered').length,
    percent: testable.length === 0 ? 0 : Math.round((covered / testable.length) * 1000) / 10,
  };
}
