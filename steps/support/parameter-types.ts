import { defineParameterType } from '@cucumber/cucumber';
import { parseGuidWord, parseHexOrDecimal } from '../../src/scenario/vocabulary';

// {hex}: 0x… or decimal, read exactly as a bigint (DESIGN.md "Parameter types").
defineParameterType({ name: 'hex', regexp: /0[xX][0-9A-Fa-f_]+|\d[\d_]*/, transformer: (s: string) => parseHexOrDecimal(s) });

// {guid}: a quoted registry-format GUID or a quoted symbolic name.
defineParameterType({ name: 'guid', regexp: /"[^"]*"/, transformer: (s: string) => parseGuidWord(s) });
