import { describe, it } from 'node:test';
import { expect } from 'chai';
import { assemble } from '../../src/asm/assembler';
import { hexOf, icedText } from './helpers';

/**
 * One line -> exact bytes. The third column is iced's own decoding of the expected bytes (Intel
 * formatter), so each expectation is cross-checked against iced's decoder rather than against memory.
 */
const ROWS_64: readonly [string, string, string][] = [
  ["mov rax, 5","48c7c005000000","mov rax,5"],
  ["mov rax, -1","48c7c0ffffffff","mov rax,0FFFFFFFFFFFFFFFFh"],
  ["mov rax, 0x123456789","48b88967452301000000","mov rax,123456789h"],
  ["mov rax, 0xffffffff","48b8ffffffff00000000","mov rax,0FFFFFFFFh"],
  ["mov eax, 0x12345678","b878563412","mov eax,12345678h"],
  ["mov r8b, sil","4188f0","mov r8b,sil"],
  ["mov ah, bl","88dc","mov ah,bl"],
  ["mov [rbx+rcx*4+0x10], r9d","44894c8b10","mov [rbx+rcx*4+10h],r9d"],
  ["movzx eax, byte [rsi]","0fb606","movzx eax,byte ptr [rsi]"],
  ["movsx rax, word [rdi-2]","480fbf47fe","movsx rax,word ptr [rdi-2]"],
  ["movsxd rax, ecx","4863c1","movsxd rax,ecx"],
  ["lea rax, [rip+0x10]","488d0510000000","lea rax,[1017h]"],
  ["xchg rax, rbx","4887d8","xchg rax,rbx"],
  ["xchg eax, eax","87c0","xchg eax,eax"],
  ["cmovne eax, ecx","0f45c1","cmovne eax,ecx"],
  ["cmovz eax, ecx","0f44c1","cmove eax,ecx"],
  ["sete al","0f94c0","sete al"],
  ["setnz bl","0f95c3","setne bl"],
  ["bswap r8","490fc8","bswap r8"],
  ["push rbp","55","push rbp"],
  ["pop r15","415f","pop r15"],
  ["push 0x1000","6800100000","push 1000h"],
  ["push -1","6aff","push 0FFFFFFFFFFFFFFFFh"],
  ["add rax, 0x7f","4883c07f","add rax,7Fh"],
  ["add eax, 0x1000","0500100000","add eax,1000h"],
  ["adc bl, 1","80d301","adc bl,1"],
  ["sub qword [rsp+8], 8","48836c240808","sub qword ptr [rsp+8],8"],
  ["sbb ax, dx","6619d0","sbb ax,dx"],
  ["cmp byte [rax], 0xff","8038ff","cmp byte ptr [rax],0FFh"],
  ["inc r10d","41ffc2","inc r10d"],
  ["dec word [rax]","66ff08","dec word ptr [rax]"],
  ["neg rcx","48f7d9","neg rcx"],
  ["not dl","f6d2","not dl"],
  ["and eax, 0xfffffff0","83e0f0","and eax,0FFFFFFF0h"],
  ["or rax, rbx","4809d8","or rax,rbx"],
  ["xor eax, eax","31c0","xor eax,eax"],
  ["test al, 1","a801","test al,1"],
  ["test rcx, rcx","4885c9","test rcx,rcx"],
  ["mul rcx","48f7e1","mul rcx"],
  ["imul rax, [rbx]","480faf03","imul rax,[rbx]"],
  ["imul ecx, edx, 100","6bca64","imul ecx,edx,64h"],
  ["imul eax, 3","6bc003","imul eax,3"],
  ["imul ecx","f7e9","imul ecx"],
  ["div qword [rbx]","48f733","div qword ptr [rbx]"],
  ["idiv ecx","f7f9","idiv ecx"],
  ["shl rax, 4","48c1e004","shl rax,4"],
  ["sal eax, 1","d1e0","shl eax,1"],
  ["shr eax, cl","d3e8","shr eax,cl"],
  ["sar rdx, 63","48c1fa3f","sar rdx,3Fh"],
  ["rol al, 1","d0c0","rol al,1"],
  ["ror bx, 3","66c1cb03","ror bx,3"],
  ["rcl ecx, 1","d1d1","rcl ecx,1"],
  ["rcr rax, cl","48d3d8","rcr rax,cl"],
  ["shld rax, rbx, 5","480fa4d805","shld rax,rbx,5"],
  ["shrd eax, edx, cl","0fadd0","shrd eax,edx,cl"],
  ["bt eax, 3","0fbae003","bt eax,3"],
  ["bts qword [rax], rcx","480fab08","bts [rax],rcx"],
  ["btr ecx, edx","0fb3d1","btr ecx,edx"],
  ["btc eax, 31","0fbaf81f","btc eax,1Fh"],
  ["bsf rax, rbx","480fbcc3","bsf rax,rbx"],
  ["bsr ecx, [rdx]","0fbd0a","bsr ecx,[rdx]"],
  ["nop","90","nop"],
  ["nop dword [rax+rax]","0f1f0400","nop [rax+rax]"],
  ["pause","f390","pause"],
  ["int3","cc","int3"],
  ["int 0x21","cd21","int 21h"],
  ["ud2","0f0b","ud2"],
  ["hlt","f4","hlt"],
  ["cli","fa","cli"],
  ["sti","fb","sti"],
  ["wbinvd","0f09","wbinvd"],
  ["invlpg [rax]","0f0138","invlpg [rax]"],
  ["mov cr0, rax","0f22c0","mov cr0,rax"],
  ["mov rax, cr2","0f20d0","mov rax,cr2"],
  ["mov cr3, rax","0f22d8","mov cr3,rax"],
  ["mov cr4, rbx","0f22e3","mov cr4,rbx"],
  ["mov cr8, rax","440f22c0","mov cr8,rax"],
  ["mov rax, dr7","0f21f8","mov rax,dr7"],
  ["lgdt [rax]","0f0110","lgdt [rax]"],
  ["lidt [rbx+8]","0f015b08","lidt [rbx+8]"],
  ["ltr ax","0f00d8","ltr ax"],
  ["cpuid","0fa2","cpuid"],
  ["rdtsc","0f31","rdtsc"],
  ["rdmsr","0f32","rdmsr"],
  ["wrmsr","0f30","wrmsr"],
  ["in al, 0x80","e480","in al,80h"],
  ["in eax, dx","ed","in eax,dx"],
  ["in ax, dx","66ed","in ax,dx"],
  ["out dx, al","ee","out dx,al"],
  ["out 0xb2, al","e6b2","out 0B2h,al"],
  ["out dx, eax","ef","out dx,eax"],
  ["syscall","0f05","syscall"],
  ["sysret","0f07","sysret"],
  ["sysretq","480f07","sysretq"],
  ["swapgs","0f01f8","swapgs"],
  ["rsm","0faa","rsm"],
  ["iretq","48cf","iretq"],
  ["retf","cb","ret far"],
  ["retfq","48cb","data64 ret far"],
  ["o64 retf","48cb","data64 ret far"],
  ["ret","c3","ret"],
  ["ret 8","c20800","ret 8"],
  ["call far tword [rax]","48ff18","call far tbyte ptr [rax]"],
  ["call far qword [rax]","48ff18","call far tbyte ptr [rax]"],
  ["jmp far qword [rbx]","48ff2b","jmp far tbyte ptr [rbx]"],
  ["jmp far [rbx]","ff2b","jmp far fword ptr [rbx]"],
  ["call qword [rax]","ff10","call qword ptr [rax]"],
  ["call [rax]","ff10","call qword ptr [rax]"],
  ["jmp rax","ffe0","jmp rax"],
  ["rep movsb","f3a4","rep movsb [rdi],[rsi]"],
  ["rep stosq","f348ab","rep stosq [rdi]"],
  ["repe cmpsb","f3a6","repe cmpsb [rsi],[rdi]"],
  ["repne scasb","f2ae","repne scasb [rdi]"],
  ["lodsq","48ad","lodsq [rsi]"],
  ["movsd","a5","movsd [rdi],[rsi]"],
  ["stosw","66ab","stosw [rdi]"],
  ["lock xadd [rax], ecx","f00fc108","lock xadd [rax],ecx"],
  ["lock cmpxchg [rbx], rcx","f0480fb10b","lock cmpxchg [rbx],rcx"],
  ["mov eax, gs:[0x10]","658b042510000000","mov eax,gs:[10h]"],
  ["mov rax, [gs:rbx]","65488b03","mov rax,gs:[rbx]"],
  ["mov rax, fs:[rax+8]","64488b4008","mov rax,fs:[rax+8]"],
  ["mov [0x1000], eax","89042500100000","mov [1000h],eax"],
  ["mov ds, ax","8ed8","mov ds,ax"],
  ["mov ax, ss","668cd0","mov ax,ss"],
  ["mov rax, ds","488cd8","mov rax,ds"],
  ["push fs","0fa0","push fs"],
  ["pop gs","0fa9","pop gs"],
  ["cdqe","4898","cdqe"],
  ["cqo","4899","cqo"],
  ["pushfq","9c","pushfq"],
  ["popfq","9d","popfq"],
  ["xlatb","d7","xlat [rbx]"],
  ["enter 0x10, 0","c8100000","enter 10h,0"],
  ["leave","c9","leave"],
  ["movsxd rdx, dword [rax]","486310","movsxd rdx,[rax]"],
  ["mov eax, 'AB'","b841420000","mov eax,4241h"],
  ["mov al, 0FFh","b0ff","mov al,0FFh"],
  ["add rsp, 8*4","4883c420","add rsp,20h"],
  ["mov eax, [rbp]","8b4500","mov eax,[rbp]"],
  ["mov eax, [r13]","418b4500","mov eax,[r13]"],
  ["mov eax, [rsp]","8b0424","mov eax,[rsp]"],
  ["mov eax, [r12+r13*2]","438b046c","mov eax,[r12+r13*2]"],
  ["mov eax, [ebx+4]","678b4304","mov eax,[ebx+4]"],
  ["lea rax, [rax*8]","488d04c500000000","lea rax,[rax*8]"]
];

const ROWS_32: readonly [string, string, string][] = [
  ['mov eax, [ebx+4]', '8b4304', 'mov eax,[ebx+4]'],
  ['push 0x1000', '6800100000', 'push 1000h'],
  ['push eax', '50', 'push eax'],
  ['mov eax, [0x1000]', '8b0500100000', 'mov eax,[1000h]'],
  ['lgdt [eax]', '0f0110', 'lgdt [eax]'],
  ['jmp 0x08:0x2000', 'ea002000000800', 'jmp far 00002000h,8'],
  ['jmp far 0x2000, 8', 'ea002000000800', 'jmp far 00002000h,8'],
  ['mov cr0, eax', '0f22c0', 'mov cr0,eax'],
  ['iretd', 'cf', 'iretd'],
  ['inc ecx', '41', 'inc ecx'],
];
const ROWS_16: readonly [string, string, string][] = [
  ['mov ax, [bx+si+4]', '8b4004', 'mov ax,[bx+si+4]'],
  ['mov eax, cr0', '0f20c0', 'mov eax,cr0'],
  ['jmp 0x08:0x2000', 'ea00200800', 'jmp far 2000h,8'],
  ['push 0x1234', '683412', 'push 1234h'],
  ['rsm', '0faa', 'rsm'],
];

describe('assemble: one line -> bytes (64-bit)', () => {
  for (const [line, hex, text] of ROWS_64) {
    it(line, () => {
      const p = assemble(line, { origin: 0x1000n });
      expect(hexOf(p.bytes)).to.equal(hex);
      expect(icedText(p.bytes, 0x1000n).join(' ; ')).to.equal(text);
    });
  }
});

describe('assemble: 32-bit and 16-bit modes', () => {
  for (const [bits, rows] of [[32, ROWS_32], [16, ROWS_16]] as const) {
    for (const [line, hex, text] of rows) {
      it(`${bits}-bit: ${line}`, () => {
        const p = assemble(line, { origin: 0x1000n, bitness: bits });
        expect(hexOf(p.bytes)).to.equal(hex);
        expect(icedText(p.bytes, 0x1000n, bits).join(' ; ')).to.equal(text);
      });
    }
  }
});
