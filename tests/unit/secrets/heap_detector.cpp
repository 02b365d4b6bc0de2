// Replacement global operator new/delete for the secrets test executable (see heap_detector.h).
// Every block carries a 16-byte header just before the pointer handed out: the pointer to free()
// (which differs for over-aligned blocks), the size and a "card" flag. Sizes are taken from the
// header, so sized and unsized deletes scan the same bytes.
#include "tests/unit/secrets/heap_detector.h"

#include <execinfo.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
    auto* h = reinterpret_cast<Header*>(user - kHeader);
    h->base = base;
    h->size = size | (t_cardDepth > 0 ? kCardFlag : 0);
    return user;
}

void scan(const unsigned char* p, std::size_t size) {
    g_scanned.fetch_add(1, std::memory_order_relaxed);
    const int n = g_secretCount.load(std::memory_order_acquire);
    for (int s = 0; s < n; ++s) {
        const Secret& secret = g_secrets[s];
        if (secret.length == 0 || secret.length > size) continue;
        const void* at = memmem(p, size, secret.bytes, secret.length);
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
std::vector<StackHit> deadStackHits() { return {}; }
void clearDeadStack() {}
#else
namespace {
constexpr std::size_t kStackReserve = 2 << 20;  // scanned depth: far beyond any call chain here
std::uintptr_t g_stackLow = 0, g_stackHigh = 0;

// Grows the main thread's stack mapping to kStackReserve (page by page, top down, like a stack
// probe) and notes its bounds, once, before main(): afterwards every address from g_stackLow up
// to a live frame is mapped and may be read.
__attribute__((noinline)) void probeStack() {
    volatile unsigned char area[kStackReserve];
    for (std::size_t i = kStackReserve; i >= 4096; i -= 4096) area[i - 1] = 0;
    area[0] = area[1];
}

__attribute__((constructor)) void findStack() {
    probeStack();
    if (FILE* maps = std::fopen("/proc/self/maps", "r")) {
        char line[512];
        while (std::fgets(line, sizeof line, maps))
            if (std::strstr(line, "[stack]")) {
                unsigned long a = 0, b = 0;
                if (std::sscanf(line, "%lx-%lx", &a, &b) == 2) g_stackLow = a, g_stackHigh = b;
            }
        std::fclose(maps);
    }
}
}  // namespace

bool stackScanSupported() { return g_stackLow != 0; }

// noinline and no calls before the scan: the frame address taken here lies just below the
// caller's live frames, so everything scanned is stack that finished calls left behind.
__attribute__((noinline)) std::vector<StackHit> deadStackHits() {
    const auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    std::vector<StackHit> out;
    if (g_stackLow == 0 || frame <= g_stackLow + 4096 || frame > g_stackHigh) return out;
    const auto* low = reinterpret_cast<const volatile unsigned char*>(g_stackLow);
    const std::size_t size = frame - g_stackLow - 256;  // spare this function's own locals
    const int n = g_secretCount.load();
    for (int s = 0; s < n; ++s) {
        const Secret& secret = g_secrets[s];
        for (std::size_t i = 0; i + secret.length <= size; ++i) {
            std::size_t k = 0;
            while (k < secret.length && low[i + k] == static_cast<unsigned char>(secret.bytes[k]))
                ++k;
            if (k == secret.length) out.push_back(StackHit{frame - (g_stackLow + i), s});
        }
    }
    return out;
}

__attribute__((noinline)) void clearDeadStack() {
    volatile unsigned char marker = 0;
    const auto here = reinterpret_cast<std::uintptr_t>(&marker);  // at or above the stack pointer
    if (g_stackLow == 0 || here <= g_stackLow + 4096 || here > g_stackHigh) return;
    auto* low = reinterpret_cast<volatile unsigned char*>(g_stackLow);
    const std::size_t size = here - g_stackLow - 1024;  // stay clear of this frame's red zone
    for (std::size_t i = 0; i < size; ++i) low[i] = 0;
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
