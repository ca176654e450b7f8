import { MmspecError } from '../../common/errors';

/** A scenario asked for something the platform cannot do (wrong order of steps, unknown file, …). */
export class ScenarioError extends MmspecError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}
