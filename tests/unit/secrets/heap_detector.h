// A heap-copy detector for secrets (issue 8 "Secrets"): the test executable that links
// heap_detector.cpp replaces every form of global operator new/delete. While armed, each block
// freed through operator delete is scanned for the registered secrets (e.g. a PIN as ASCII); a
// match means some code let go of a copy of the secret without wiping it.
//
// Scope: host-side code (apdu/, pkcs11/, tools/). Memory allocated or freed inside a CardScope
// (the simulated card answering an APDU) belongs to the card and is not scanned — the card must
// know its PINs. Not seen: memory that never goes through operator new (malloc'ed C buffers,
// OpenSSL, glibc stdio), stack copies, std::string's in-object (SSO) buffer, kernel buffers.
#pragma once

#include <cstddef>
#include <string>
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

// Stack residue: scans the calling thread's dead stack — the main thread's [stack] mapping from
// its lowest mapped address up to the caller's frame — for the secrets, and returns the offsets
// (below the caller's frame) of the matches. Covers what the heap scan cannot: copies in stack
// variables, including short std::strings kept in their in-object buffer. Only meaningful on the
// main thread and when the card runs on another thread (it compares PINs on its own stack).
// Returns {} under AddressSanitizer, whose stack redzones make such a read unreliable.
struct StackHit {
    std::size_t depth = 0;  // bytes below the caller's frame
    int secret = -1;
};
std::vector<StackHit> deadStackHits();
bool stackScanSupported();
// Zeroes the dead stack below the caller, so that a scenario's scan sees only its own residue.
void clearDeadStack();

// Marks the current thread as "inside the card" for its lifetime (nestable).
class CardScope {
  public:
    CardScope();
    ~CardScope();
    CardScope(const CardScope&) = delete;
    CardScope& operator=(const CardScope&) = delete;
};

}  // namespace mynacard::secrets_test
