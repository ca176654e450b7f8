/*
 * mmspec differential harness: runs register-only x86-64 blocks on the host CPU.
 *
 * Protocol (text, one case per line, all numbers hexadecimal without a 0x prefix):
 *   in:  <code bytes as hex, or - for none> <rax> <rcx> <rdx> <rbx> <rsp> <rbp> <rsi> <rdi> <r8> ... <r15> <rflags>
 *   out: ok <rax> ... <r15> <rflags>          (17 values; the rsp slot echoes the input, the block ran on
 *                                              the harness's own stack)
 *        signal <number>                      (SIGILL/SIGFPE/SIGSEGV/SIGBUS/SIGTRAP raised by the block)
 *        error <message>                      (malformed input line)
 * All cases of a run go through one process. Build: cc -O2 -o harness harness.c trampoline.S
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

extern void mm_run_block(uint64_t *state, const void *code);
extern char mm_block_return[];

#define MAX_CODE 2048
#define PAGE_SIZE_BYTES 4096

static sigjmp_buf resume_point;

static void on_fault(int sig, siginfo_t *info, void *ctx) {
    (void)info;
    (void)ctx;
    siglongjmp(resume_point, sig);
}

static int hex_nibble(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses one input line into code[] and state[17]; returns the code length or -1 with *why set. */
static int parse_line(char *line, uint8_t *code, uint64_t *state, const char **why) {
    char *save = NULL;
    char *tok = strtok_r(line, " \t\r\n", &save);
    if (tok == NULL) { *why = "empty line"; return -1; }
    size_t n = strcmp(tok, "-") == 0 ? 0 : strlen(tok);
    if (n % 2 != 0 || n / 2 > MAX_CODE) { *why = "bad code hex length"; return -1; }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_nibble(tok[2 * i]), lo = hex_nibble(tok[2 * i + 1]);
        if (hi < 0 || lo < 0) { *why = "bad code hex digit"; return -1; }
        code[i] = (uint8_t)(hi << 4 | lo);
    }
    for (int r = 0; r < 17; r++) {
        tok = strtok_r(NULL, " \t\r\n", &save);
        if (tok == NULL) { *why = "expected 16 GPRs and rflags"; return -1; }
        char *end = NULL;
        state[r] = strtoull(tok, &end, 16);
        if (*end != '\0') { *why = "bad register hex"; return -1; }
    }
    return (int)(n / 2);
}

int main(void) {
    uint8_t *page = mmap(NULL, PAGE_SIZE_BYTES, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) { perror("harness: mmap RWX"); return 2; }

    static uint8_t altstack[1 << 16];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0) { perror("harness: sigaltstack"); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = { SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigaction(sigs[i], &sa, NULL) != 0) { perror("harness: sigaction"); return 2; }
    }

    static char out[64 * 1024];
    setvbuf(stdout, out, _IOFBF, sizeof out);

    char *line = NULL;
    size_t cap = 0;
    static uint8_t code[MAX_CODE];
    while (getline(&line, &cap, stdin) >= 0) {
        if (line[0] == '\n' || line[0] == '\0') continue;
        uint64_t state[17];
        const char *why = NULL;
        int len = parse_line(line, code, state, &why);
        if (len < 0) { printf("error %s\n", why); continue; }

        /* The block, then `jmp qword ptr [rip+0]` (FF 25 00000000) and the absolute return address. */
        memcpy(page, code, (size_t)len);
        uint8_t *tail = page + len;
        const uint8_t jmp_abs[6] = { 0xFF, 0x25, 0x00, 0x00, 0x00, 0x00 };
        memcpy(tail, jmp_abs, sizeof jmp_abs);
        uint64_t back = (uint64_t)(uintptr_t)mm_block_return;
        memcpy(tail + sizeof jmp_abs, &back, sizeof back);

        uint64_t rsp_in = state[4];
        /* Only the status flags and the reserved bit 1 come from the input; TF/DF/AC/IOPL never do. */
        state[16] = (state[16] & 0x8D5u) | 0x2u;
        int sig = sigsetjmp(resume_point, 1);
        if (sig == 0) {
            mm_run_block(state, page);
            state[4] = rsp_in;
            printf("ok");
            for (int r = 0; r < 17; r++) printf(" %016llx", (unsigned long long)state[r]);
            printf("\n");
        } else {
            printf("signal %d\n", sig);
        }
    }
    free(line);
    fflush(stdout);
    return 0;
}
