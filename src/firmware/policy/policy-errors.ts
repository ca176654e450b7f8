import { MmspecError } from '../../common/errors';

/**
 * A mistake in a policy source (XML or YAML): names the file, 1-based line and column, and the element,
 * attribute or field, e.g. `policy.xml:12:5: <StartAddress Value>: cannot read "0xZZ" as a number`.
 */
export class PolicySourceError extends MmspecError {
  constructor(
    readonly format: 'XML' | 'YAML',
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly where: string,
    readonly reason: string,
  ) {
    super(format === 'XML' ? 'POLICY_XML_INVALID' : 'POLICY_YAML_INVALID', `${file}:${line}:${column}: ${where}: ${reason}`);
  }
}

/** A policy that cannot be expressed in the requested form (e.g. a MEM root in the XML schema). */
export class PolicyConversionError extends MmspecError {
  constructor(message: string) {
    super('POLICY_NOT_EXPRESSIBLE', message);
  }
}
