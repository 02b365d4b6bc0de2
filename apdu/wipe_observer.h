// Test-only hook into secureWipe (issue 8 "Secrets": a test proves that secret buffers are
// wiped). Production code never sets an observer; when none is set, secureWipe pays one relaxed
// atomic load. Not for production use: an observer sees the address of secret memory.
#pragma once

#include <cstddef>

namespace mynacard::apdu::testing {

// Called by secureWipe(p, n) with after=false just before the bytes are overwritten and with
// after=true right after. The block is still allocated during both calls (WipingAllocator and
// SecureBytes wipe before they deallocate), so an observer may read it — e.g. to check that it
// is all zero once wiped, or to see which buffers held a secret. Must not throw or allocate
// secrets itself; it may be called from any thread.
using WipeObserver = void (*)(const void* p, std::size_t n, bool after);

// Installs (or, with nullptr, removes) the observer. Returns the previous one.
WipeObserver setWipeObserver(WipeObserver observer);

}  // namespace mynacard::apdu::testing
