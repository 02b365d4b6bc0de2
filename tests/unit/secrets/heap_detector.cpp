// Replacement global operator new/delete for the secrets test executable (see heap_detector.h).
// Every block carries a 16-byte header just before the pointer handed out: the pointer to free()
// (which differs for over-aligned blocks), the size and a "card" flag. Sizes are taken from the
// header, so sized and unsized deletes scan the same bytes.
#include "tests/unit/secrets/heap_detector.h"

#include <execinfo.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

namespace mynacard::secrets_test {
namespace {

constexpr std::size_t kHeader = 16;  // == __STDCPP_DEFAULT_NEW_ALIGNMENT__ on x86-64/arm64
static_assert(kHeader >= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "header must keep default alignment");
constexpr std::size_t kCardFlag = std::size_t(1) << (sizeof(std::size_t) * 8 - 1);

struct Header {
    void* base;        // what malloc / aligned_alloc returned
    std::size_t size;  // requested size | kCardFlag
};
static_assert(sizeof(Header) == kHeader, "header layout");

constexpr int kMaxSecrets = 16;
constexpr std::size_t kMaxSecretLength = 64;
struct Secret {
    char bytes[kMaxSecretLength];
    std::size_t length;
};
Secret g_secrets[kMaxSecrets];
std::atomic<int> g_secretCount{0};

constexpr int kMaxHits = 64;
constexpr int kFrames = 24;
struct RawHit {
    std::size_t blockSize, offset;
    int secret;
    int frames;
    void* stack[kFrames];
};
RawHit g_hits[kMaxHits];
std::atomic<int> g_hitCount{0};
std::atomic<bool> g_armed{false};
std::atomic<std::size_t> g_scanned{0};
thread_local int t_cardDepth = 0;
thread_local bool t_inScan = false;  // backtrace() may allocate the first time: no recursion

void* allocate(std::size_t size, std::size_t align, bool nothrow) {
    void* base = nullptr;
    std::size_t offset = kHeader;
    if (align <= kHeader) {
        base = std::malloc(size + kHeader);
    } else {
        offset = align;  // the header sits in the last 16 bytes of the alignment padding
        std::size_t total = (size + align + align - 1) / align * align;
        base = std::aligned_alloc(align, total);
    }
    if (base == nullptr) {
        if (nothrow) return nullptr;
        throw std::bad_alloc();
    }
    auto* user = static_cast<unsigned char*>(base) + offset;
    // Zero-filled, so that a freed block holds only what was written into it while allocated:
    // malloc hands out memory that the card thread (out of scope, it compares PINs) or a C
    // library freed unwiped, and its stale bytes would otherwise be reported as a host copy
    // (seen once in about 25 runs: a PIN at offset 241 of a trace string's old buffer).
    std::memset(user, 0, size);
    auto* h = reinterpret_cast<Header*>(user - kHeader);
    h->base = base;
    h->size = size | (t_cardDepth > 0 ? kCardFlag : 0);
    return user;
}

// A plain byte-by-byte search, the secret read through a volatile pointer. memmem would load
// the secret into vector registers, and a register that ld.so's lazy-binding trampoline or the
// kernel later saves on the stack would put it where the stack scan finds it: the detector must
// not create the copies it looks for (seen in CI: "4962172035228…" on the scanned stack, the
// needle and the bytes next to it in one saved register).
const unsigned char* findSecret(const unsigned char* hay, std::size_t n, const Secret& secret) {
    const volatile unsigned char* needle = reinterpret_cast<const unsigned char*>(secret.bytes);
    const std::size_t m = secret.length;
    if (m == 0 || m > n) return nullptr;
    for (std::size_t i = 0; i + m <= n; ++i) {
        std::size_t k = 0;
        while (k < m && hay[i + k] == needle[k]) ++k;
        if (k == m) return hay + i;
    }
    return nullptr;
}

void scan(const unsigned char* p, std::size_t size) {
    g_scanned.fetch_add(1, std::memory_order_relaxed);
    const int n = g_secretCount.load(std::memory_order_acquire);
    for (int s = 0; s < n; ++s) {
        const Secret& secret = g_secrets[s];
        const void* at = findSecret(p, size, secret);
        if (at == nullptr) continue;
        const int i = g_hitCount.fetch_add(1, std::memory_order_relaxed);
        if (i >= kMaxHits) return;
        RawHit& hit = g_hits[i];
        hit.blockSize = size;
        hit.offset = static_cast<std::size_t>(static_cast<const unsigned char*>(at) - p);
        hit.secret = s;
        t_inScan = true;
        hit.frames = ::backtrace(hit.stack, kFrames);
        t_inScan = false;
    }
}

void release(void* p) {
    if (p == nullptr) return;
    auto* user = static_cast<unsigned char*>(p);
    auto* h = reinterpret_cast<Header*>(user - kHeader);
    const bool card = (h->size & kCardFlag) != 0;
    const std::size_t size = h->size & ~kCardFlag;
    if (g_armed.load(std::memory_order_relaxed) && !card && t_cardDepth == 0 && !t_inScan)
        scan(user, size);
    std::free(h->base);
}

}  // namespace

void addSecret(const char* ascii) {
    const int i = g_secretCount.load();
    const std::size_t n = std::strlen(ascii);
    if (i >= kMaxSecrets || n == 0 || n > kMaxSecretLength) std::abort();  // test misuse
    std::memcpy(g_secrets[i].bytes, ascii, n);
    g_secrets[i].length = n;
    g_secretCount.store(i + 1, std::memory_order_release);
}

void clearSecrets() { g_secretCount.store(0); }

void arm() {
    // Warm up backtrace() (it loads libgcc_s on first use) before any scan needs it.
    void* frames[2];
    ::backtrace(frames, 2);
    g_hitCount.store(0);
    g_scanned.store(0);
    g_armed.store(true);
}

void disarm() { g_armed.store(false); }
bool armed() { return g_armed.load(); }
std::size_t scannedBlocks() { return g_scanned.load(); }

std::vector<Hit> hits() {
    std::vector<Hit> out;
    const int n = std::min(g_hitCount.load(), kMaxHits);
    for (int i = 0; i < n; ++i) {
        const RawHit& raw = g_hits[i];
        Hit hit;
        hit.blockSize = raw.blockSize;
        hit.offset = raw.offset;
        hit.secret = raw.secret;
        if (char** names = ::backtrace_symbols(raw.stack, raw.frames)) {
            for (int f = 0; f < raw.frames; ++f)
                hit.backtrace += std::string("  ") + names[f] + "\n";
            std::free(names);
        }
        out.push_back(std::move(hit));
    }
    return out;
}

#if defined(__SANITIZE_ADDRESS__)
bool stackScanSupported() { return false; }
ScannedStack::ScannedStack() = default;
ScannedStack::~ScannedStack() = default;
void ScannedStack::runRaw(void (*fn)(void*), void* arg) { fn(arg); }
#else
namespace {
// Far beyond any call chain of the scenarios (the deepest, a PKCS#11 login with OpenSSL's
// signature check, uses a few tens of KiB; deepestUse() tells).
constexpr std::size_t kStackSize = 1 << 20;
constexpr std::size_t kGuard = 1 << 16;

// The run in progress: swapcontext's entry point takes no pointer argument portably.
struct Trampoline {
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    std::exception_ptr error;
};
thread_local Trampoline* t_trampoline = nullptr;

void enter() {
    Trampoline& t = *t_trampoline;
    try {
        t.fn(t.arg);
    } catch (...) {
        // Exceptions must not unwind past the context's first frame: carried back by hand.
        t.error = std::current_exception();
    }
}  // returning resumes uc_link, the caller of runRaw
}  // namespace

bool stackScanSupported() { return true; }

ScannedStack::ScannedStack() {
    void* p = mmap(nullptr, kStackSize + kGuard, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) std::abort();  // test machinery: nothing sensible to report instead
    mprotect(p, kGuard, PROT_NONE);    // an overflow faults instead of writing elsewhere
    base_ = static_cast<unsigned char*>(p) + kGuard;
    size_ = kStackSize;
}

ScannedStack::~ScannedStack() { munmap(base_ - kGuard, size_ + kGuard); }

void ScannedStack::runRaw(void (*fn)(void*), void* arg) {
    std::memset(base_, 0, size_);
    Trampoline t{fn, arg, nullptr};
    ucontext_t caller{}, callee{};
    if (getcontext(&callee) != 0) std::abort();
    callee.uc_stack.ss_sp = base_;
    callee.uc_stack.ss_size = size_;
    callee.uc_link = &caller;
    makecontext(&callee, enter, 0);
    Trampoline* outer = t_trampoline;
    t_trampoline = &t;
    if (swapcontext(&caller, &callee) != 0) std::abort();
    t_trampoline = outer;

    // Everything on the stack is dead now; scan all of it.
    std::size_t low = 0;
    while (low < size_ && base_[low] == 0) ++low;
    deepest_ = std::max(deepest_, size_ - low);
    const int n = g_secretCount.load();
    for (int s = 0; s < n; ++s) {
        const Secret& secret = g_secrets[s];
        const unsigned char* from = base_ + low;
        const unsigned char* end = base_ + size_;
        while (from < end) {
            const unsigned char* hit =
                findSecret(from, static_cast<std::size_t>(end - from), secret);
            if (hit == nullptr) break;
            hits_.push_back(StackHit{static_cast<std::size_t>(end - hit), s, runs_});
            from = hit + 1;
        }
    }
    ++runs_;
    if (t.error) std::rethrow_exception(t.error);
}
#endif

CardScope::CardScope() { ++t_cardDepth; }
CardScope::~CardScope() { --t_cardDepth; }

}  // namespace mynacard::secrets_test

// ---- the replaced global allocation functions (C++17 [new.delete]) -----------------------------

void* operator new(std::size_t n) { return mynacard::secrets_test::allocate(n, 0, false); }
void* operator new[](std::size_t n) { return mynacard::secrets_test::allocate(n, 0, false); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return mynacard::secrets_test::allocate(n, 0, true);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return mynacard::secrets_test::allocate(n, 0, true);
}
void* operator new(std::size_t n, std::align_val_t a) {
    return mynacard::secrets_test::allocate(n, static_cast<std::size_t>(a), false);
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return mynacard::secrets_test::allocate(n, static_cast<std::size_t>(a), false);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return mynacard::secrets_test::allocate(n, static_cast<std::size_t>(a), true);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return mynacard::secrets_test::allocate(n, static_cast<std::size_t>(a), true);
}

void operator delete(void* p) noexcept { mynacard::secrets_test::release(p); }
void operator delete[](void* p) noexcept { mynacard::secrets_test::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept {
    mynacard::secrets_test::release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    mynacard::secrets_test::release(p);
}
void operator delete(void* p, std::size_t) noexcept { mynacard::secrets_test::release(p); }
void operator delete[](void* p, std::size_t) noexcept { mynacard::secrets_test::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { mynacard::secrets_test::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { mynacard::secrets_test::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    mynacard::secrets_test::release(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    mynacard::secrets_test::release(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    mynacard::secrets_test::release(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    mynacard::secrets_test::release(p);
}
