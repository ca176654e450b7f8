/*
 * mmspec differential harness: the trampoline that runs one register-only block on the host CPU.
 *
 *   void mm_run_block(uint64_t state[17], const void *code);
 *
 * state[0..15] are the GPRs in encoding order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15), state[16] is RFLAGS.
 * The block runs on the host stack (RSP is never loaded from state and never an operand of a generated
 * instruction). The code page must end with an absolute `jmp [rip+0]; dq mm_block_return`, which brings
 * control back here with every register as the block left it; the block's final registers and flags
 * overwrite state[], then the host callee-saved registers are restored and mm_run_block returns.
 */
        .intel_syntax noprefix
        .text

        .globl  mm_run_block
        .type   mm_run_block, @function
mm_run_block:
        push    rbx
        push    rbp
        push    r12
        push    r13
        push    r14
        push    r15
        mov     [rip + mm_saved_rsp], rsp
        mov     [rip + mm_state_ptr], rdi
        mov     [rip + mm_code_ptr], rsi
        push    qword ptr [rdi + 128]
        popfq
        mov     rax, [rdi + 0]
        mov     rcx, [rdi + 8]
        mov     rdx, [rdi + 16]
        mov     rbx, [rdi + 24]
        mov     rbp, [rdi + 40]
        mov     rsi, [rdi + 48]
        mov     r8,  [rdi + 64]
        mov     r9,  [rdi + 72]
        mov     r10, [rdi + 80]
        mov     r11, [rdi + 88]
        mov     r12, [rdi + 96]
        mov     r13, [rdi + 104]
        mov     r14, [rdi + 112]
        mov     r15, [rdi + 120]
        mov     rdi, [rdi + 56]
        jmp     qword ptr [rip + mm_code_ptr]
        .size   mm_run_block, . - mm_run_block

        .globl  mm_block_return
        .type   mm_block_return, @function
mm_block_return:
        pushfq
        push    rdi
        mov     rdi, [rip + mm_state_ptr]
        mov     [rdi + 0], rax
        mov     [rdi + 8], rcx
        mov     [rdi + 16], rdx
        mov     [rdi + 24], rbx
        mov     [rdi + 40], rbp
        mov     [rdi + 48], rsi
        mov     [rdi + 64], r8
        mov     [rdi + 72], r9
        mov     [rdi + 80], r10
        mov     [rdi + 88], r11
        mov     [rdi + 96], r12
        mov     [rdi + 104], r13
        mov     [rdi + 112], r14
        mov     [rdi + 120], r15
        pop     rax
        mov     [rdi + 56], rax
        pop     rax
        mov     [rdi + 128], rax
        mov     rsp, [rip + mm_saved_rsp]
        cld
        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     rbp
        pop     rbx
        ret
        .size   mm_block_return, . - mm_block_return

        .bss
        .balign 8
mm_saved_rsp:   .zero 8
mm_state_ptr:   .zero 8
mm_code_ptr:    .zero 8

        .section .note.GNU-stack, "", @progbits
