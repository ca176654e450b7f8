import { isCanonicalLayout } from './policy-layout';
import {
  AccessAttr, PolicyAttr, PolicyRoot, SecurePolicy, accessName, conditionName, instructionName, rootCount, saveStateFieldName, typeName,
} from './policy-types';

const hx = (v: number | bigint) => '0x' + v.toString(16).toUpperCase();

function words(a: number, kind: string): string {
  const w: string[] = [];
  if (a & PolicyAttr.READ) w.push('read');
  if (a & PolicyAttr.WRITE) w.push('write');
  if (a & PolicyAttr.EXECUTE) w.push('execute');
  if (a & PolicyAttr.STRICT_WIDTH) w.push('strict-width');
  if (a & PolicyAttr.COND_READ) w.push('cond-read');
  if (a & PolicyAttr.COND_WRITE) w.push('cond-write');
  if (a & ~0x3f) w.push(hx(a & ~0x3f));
  return w.length ? w.join(' ') : `no ${kind === 'instruction' ? 'execute' : 'access'} bits`;
}

/** What an entry means under its root (supervisor-facts §4.7 / §4.9): matched accesses follow the root. */
function verdict(root: PolicyRoot, relevant: boolean): string {
  if (root.accessAttr === AccessAttr.DENY) return relevant ? 'DENIED (deny list)' : 'allowed (deny list; entry has none of the gated bits)';
  if (root.accessAttr === AccessAttr.ALLOW) return relevant ? 'ALLOWED (allow list)' : 'denied (allow list; entry has none of the gated bits)';
  return `not enforced (AccessAttr ${hx(root.accessAttr)} is neither allow nor deny)`;
}

function rootSummary(root: PolicyRoot): string {
  if (root.accessAttr === AccessAttr.DENY) return 'deny list: what an entry matches is denied, everything else is allowed';
  if (root.accessAttr === AccessAttr.ALLOW) return 'allow list: only what an entry matches is allowed';
  return 'AccessAttr is neither allow nor deny: the gates deny nothing';
}

/** A readable listing of a policy: header, roots, and what each entry allows or denies. */
export function describePolicy(p: SecurePolicy): string {
  const out: string[] = [];
  out.push(`Isolation policy v${p.versionMajor}.${p.versionMinor}, header Size ${hx(p.size)}, ${p.roots.length} root(s) at ${hx(p.policyRootOffset)}; layout ${isCanonicalLayout(p) ? 'as SupervisorPolicyMaker writes it' : 'differs from SupervisorPolicyMaker\'s'}`);
  out.push(`Header: MemoryPolicyOffset ${hx(p.memoryPolicyOffset)}, MemoryPolicyCount ${p.memoryPolicyCount}, Flags ${hx(p.flags)}, Capabilities ${hx(p.capabilities)}, Reserved ${hx(p.reserved)}`);
  p.roots.forEach((root, i) => {
    out.push('');
    const extra = root.version !== 1 || root.rootSize !== 0x18 || root.reserved !== 0 ? ` (Version ${root.version}, PolicyRootSize ${hx(root.rootSize)}, Reserved ${hx(root.reserved)})` : '';
    out.push(`Root ${i} @${hx(p.policyRootOffset + 0x18 * i)}: ${typeName(root.type)}, ${accessName(root.accessAttr)}, ${rootCount(root)} entr${rootCount(root) === 1 ? 'y' : 'ies'} at ${hx(root.offset)}${extra}`);
    out.push(`  ${root.kind === 'unknown' ? 'unknown type: ignored by every gate' : rootSummary(root)}`);
    switch (root.kind) {
      case 'io':
        root.descriptors.forEach((d, j) => {
          const strict = (d.attributes & PolicyAttr.STRICT_WIDTH) !== 0;
          const range = strict || d.lengthOrWidth <= 1 ? `${hx(d.ioAddress)} width ${d.lengthOrWidth}` : `${hx(d.ioAddress)}-${hx(d.ioAddress + d.lengthOrWidth - 1)} (${d.lengthOrWidth} ports)`;
          const note = strict ? `; matches only ${d.lengthOrWidth}-byte accesses at exactly ${hx(d.ioAddress)}` : '';
          out.push(`  [${j}] IO ${range} ${words(d.attributes, 'io')}: ${verdict(root, (d.attributes & (PolicyAttr.READ | PolicyAttr.WRITE)) !== 0)}${note}${d.reserved ? `; Reserved ${hx(d.reserved)}` : ''}`);
        });
        break;
      case 'msr':
        root.descriptors.forEach((d, j) => {
          const range = d.length <= 1 ? hx(d.msrAddress) : `${hx(d.msrAddress)}-${hx(d.msrAddress + d.length - 1)} (${d.length} MSRs)`;
          out.push(`  [${j}] MSR ${range} ${words(d.attributes, 'msr')}: ${verdict(root, (d.attributes & (PolicyAttr.READ | PolicyAttr.WRITE)) !== 0)}`);
        });
        break;
      case 'instruction':
        root.descriptors.forEach((d, j) => {
          out.push(`  [${j}] ${instructionName(d.instructionIndex)} ${words(d.attributes, 'instruction')}: ${verdict(root, (d.attributes & PolicyAttr.EXECUTE) !== 0)}${d.reserved ? `; Reserved ${hx(d.reserved)}` : ''}`);
        });
        break;
      case 'save-state':
        root.descriptors.forEach((d, j) => {
          const cond = d.accessCondition === 0 ? '' : ` when the MMI was an ${d.accessCondition === 1 ? 'IO read' : d.accessCondition === 2 ? 'IO write' : conditionName(d.accessCondition)} trap`;
          out.push(`  [${j}] save state ${saveStateFieldName(d.mapField)} ${words(d.attributes, 'save-state')}${cond}: ${verdict(root, (d.attributes & (PolicyAttr.READ | PolicyAttr.COND_READ)) !== 0)}${d.reserved ? `; Reserved ${hx(d.reserved)}` : ''}`);
        });
        break;
      case 'mem':
        if (root.descriptors.length === 0 && root.accessAttr === AccessAttr.DENY) out.push('  empty placeholder: the supervisor fills it at FETCH_POLICY with the pages mapped outside MMRAM');
        root.descriptors.forEach((d, j) => {
          out.push(`  [${j}] memory ${hx(d.baseAddress)}-${hx(d.baseAddress + d.size - 1n)} (${hx(d.size)} bytes) ${words(d.memAttributes, 'mem')}${d.reserved ? `; Reserved ${hx(d.reserved)}` : ''}`);
        });
        break;
      case 'unknown':
        break;
    }
  });
  if (p.uncovered.length > 0) {
    out.push('');
    out.push(`Bytes outside every structure: ${p.uncovered.map((u) => `${hx(u.offset)}+${u.bytes.length}`).join(', ')}`);
  }
  return out.join('\n') + '\n';
}
