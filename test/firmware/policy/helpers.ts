import { readFileSync } from 'node:fs';
import { compileXml } from '../../../src/firmware/policy/policy-xml';
import { parsePolicy } from '../../../src/firmware/policy/policy-binary';
import { layoutPolicy, PolicySpecRoot } from '../../../src/firmware/policy/policy-layout';
import { SecurePolicy } from '../../../src/firmware/policy/policy-types';

export const EXAMPLE_PATH = '/work/shared/external/MmIsolationPoliciesExample.xml';
export const EXAMPLE_XML = readFileSync(EXAMPLE_PATH, 'utf8');
export function exampleBlob(): Uint8Array {
  return compileXml(EXAMPLE_XML, 'MmIsolationPoliciesExample.xml');
}
export function examplePolicy(): SecurePolicy {
  return parsePolicy(exampleBlob());
}
/** A policy from spec roots laid out as SupervisorPolicyMaker would. */
export function policyOf(...roots: PolicySpecRoot[]): SecurePolicy {
  return layoutPolicy({ roots });
}
const base = { version: 1, rootSize: 0x18, reserved: 0 };
export const io = (accessAttr: number, ...d: [number, number, number][]): PolicySpecRoot =>
  ({ ...base, kind: 'io', type: 2, accessAttr, descriptors: d.map(([ioAddress, lengthOrWidth, attributes]) => ({ ioAddress, lengthOrWidth, attributes, reserved: 0 })) });
export const msr = (accessAttr: number, ...d: [number, number, number][]): PolicySpecRoot =>
  ({ ...base, kind: 'msr', type: 3, accessAttr, descriptors: d.map(([msrAddress, length, attributes]) => ({ msrAddress, length, attributes })) });
export const ins = (accessAttr: number, ...d: [number, number][]): PolicySpecRoot =>
  ({ ...base, kind: 'instruction', type: 4, accessAttr, descriptors: d.map(([instructionIndex, attributes]) => ({ instructionIndex, attributes, reserved: 0 })) });
export const svst = (accessAttr: number, ...d: [number, number, number][]): PolicySpecRoot =>
  ({ ...base, kind: 'save-state', type: 5, accessAttr, descriptors: d.map(([mapField, attributes, accessCondition]) => ({ mapField, attributes, accessCondition, reserved: 0 })) });
export const mem = (accessAttr: number, ...d: [bigint, bigint, number][]): PolicySpecRoot =>
  ({ ...base, kind: 'mem', type: 1, accessAttr, descriptors: d.map(([baseAddress, size, memAttributes]) => ({ baseAddress, size, memAttributes, reserved: 0 })) });
