// A heap-copy detector for secrets (issue 8 "Secrets"): the test executable that links
// heap_detector.cpp replaces every form of global operator new/delete. While armed, each block
// freed through operator delete is scanned for the registered secrets (e.g. a PIN as ASCII); a
// match means some code let go of a copy of the secret without wiping it.
//
// Every block is zero-filled when allocated, so what a freed block holds was written into it
// while it was allocated (never stale bytes of the card's or a C library's earlier use of the
// same memory).
//
// Scope: host-side code (apdu/, pkcs11/, tools/). Memory allocated or freed inside a CardScope
// (the simulated card answering an APDU) belongs to the card and is not scanned — the card must
// know its PINs. Not seen by the heap scan: memory that never goes through operator new
// (malloc'ed C buffers, OpenSSL, glibc stdio), kernel buffers, and stack copies (std::string's
// in-object buffer included), which ScannedStack below covers.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace mynacard::secrets_test {

// Secrets to look for (at most 16, each 1..64 bytes). Registering copies into static storage,
// never onto the heap (the detector must not create the copies it looks for).
void addSecret(const char* ascii);
void clearSecrets();

// Scanning on/off. Arming clears the previous hits.
void arm();
void disarm();
bool armed();

struct Hit {
    std::size_t blockSize = 0;  // the freed block
    std::size_t offset = 0;     // where the secret starts in it
    int secret = -1;            // index in registration order
    std::string backtrace;      // the delete's call stack (symbolised after the fact)
};
// The hits since arm() (call when disarmed; symbolising allocates).
std::vector<Hit> hits();
// Blocks scanned since arm(): proves the detector saw the traffic at all.
std::size_t scannedBlocks();

// Stack residue (issue 12). The code under test runs on a dedicated stack that the test owns: a
// private mapping, zero-filled before every run, entered with swapcontext on the calling thread
// (so Catch2's assertions and thread-locals work as usual). After the run, everything on that
// stack is dead, and the whole mapping is scanned: what is found there was written by the run
// itself, whatever the machine, the build or the environment left on the main stack before. It
// covers what the heap scan cannot: stack variables, short std::strings in their in-object
// buffer, and registers that something saved on the stack (ld.so's lazy-binding trampoline saves
// every vector register, see docs/reliability.md). Not available under AddressSanitizer (its
// fake stacks and redzones need fiber annotations): run() then calls the function directly and
// scanned() is false, which the tests report.
struct StackHit {
    std::size_t depth = 0;  // bytes below the top of the scanned stack
    int secret = -1;
    int run = -1;           // which run() left it (0-based)
};
bool stackScanSupported();

class ScannedStack {
  public:
    ScannedStack();
    ~ScannedStack();
    ScannedStack(const ScannedStack&) = delete;
    ScannedStack& operator=(const ScannedStack&) = delete;

    // Zero-fills the stack, runs f on it and scans it; rethrows what f threw (after the scan).
    template <typename F>
    void run(F&& f) {
        runRaw([](void* p) { (*static_cast<std::remove_reference_t<F>*>(p))(); },
               const_cast<void*>(static_cast<const void*>(&f)));
    }
    // Every match found so far, in run order.
    const std::vector<StackHit>& hits() const { return hits_; }
    void clearHits() { hits_.clear(); }
    // Whether runs were scanned (false under AddressSanitizer).
    bool scanned() const { return base_ != nullptr; }
    // The deepest any run reached below the top (bytes not zero after it): shows the stack
    // was used at all, and that it was big enough.
    std::size_t deepestUse() const { return deepest_; }

  private:
    void runRaw(void (*fn)(void*), void* arg);
    unsigned char* base_ = nullptr;  // lowest usable byte (a guard page lies below it)
    std::size_t size_ = 0;
    std::size_t deepest_ = 0;
    int runs_ = 0;
    std::vector<StackHit> hits_;
};

// Marks the current thread as "inside the card" for its lifetime (nestable).
class CardScope {
  public:
    CardScope();
    ~CardScope();
    CardScope(const CardScope&) = delete;
    CardScope& operator=(const CardScope&) = delete;
};

}  // namespace mynacard::secrets_test
