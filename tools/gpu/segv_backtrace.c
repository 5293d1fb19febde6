/* Diagnostic helper for crashes on the GPU machine, which has no debugger: preload it and a
 * SIGSEGV/SIGABRT/SIGBUS prints the stack (symbols where exported; "binary(+0xOFFSET)" where
 * not, for addr2line -f -C -i -e binary 0xOFFSET) before the default action.
 *   gcc -shared -fPIC -o /tmp/segv.so tools/gpu/segv_backtrace.c
 *   LD_PRELOAD=/tmp/segv.so build-cuda/tests/test_data */
#define _GNU_SOURCE
#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void on_fatal(int sig) {
    void* frames[128];
    const char msg[] = "\n*** fatal signal: backtrace ***\n";
    write(2, msg, sizeof msg - 1);
    int n = backtrace(frames, 128);
    backtrace_symbols_fd(frames, n, 2);
    signal(sig, SIG_DFL);
    raise(sig);
}

__attribute__((constructor)) static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGBUS, &sa, 0);
    sigaction(SIGABRT, &sa, 0);
}
