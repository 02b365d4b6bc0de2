// Common PKCS#11 definitions for the module: the one pkcs11.h we use (p11-kit's, v2.40) and the
// internal exception that carries a CK_RV to the ABI guard.
#pragma once

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace mynacard::p11 {

// Thrown inside the core when a PKCS#11 rule decides the return value; the guard in guard.cpp
// turns it (and every mynacard::Error) into a CK_RV. Never crosses the C ABI.
class P11Error : public std::runtime_error {
public:
    explicit P11Error(CK_RV rv, const std::string& what = "") : std::runtime_error(what), rv_(rv) {}
    CK_RV rv() const { return rv_; }

private:
    CK_RV rv_;
};

[[noreturn]] inline void fail(CK_RV rv, const std::string& what = "") { throw P11Error(rv, what); }

// The two tokens of a reader (architecture.md "PKCS#11 shape"): one user PIN per token.
enum class TokenKind { Auth = 0, Sign = 1 };

// Blank-padded, not NUL-terminated PKCS#11 text field; non-printable or non-ASCII bytes become
// '?' (issue 5: every text field is printable ASCII).
inline void padText(CK_UTF8CHAR* dst, std::size_t size, const std::string& src) {
    std::memset(dst, ' ', size);
    for (std::size_t i = 0; i < size && i < src.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(src[i]);
        dst[i] = (c >= 0x20 && c < 0x7F) ? c : '?';
    }
}

// PKCS#11's rule for a list returned in a caller's array (v2.40 §5.2): a null `list` asks for
// the length, a short array gets CKR_BUFFER_TOO_SMALL and the length needed.
template <typename T>
CK_RV returnList(const std::vector<T>& items, T* list, CK_ULONG_PTR count) {
    const CK_ULONG needed = items.size();
    if (list && *count < needed) {
        *count = needed;
        return CKR_BUFFER_TOO_SMALL;
    }
    if (list) std::copy(items.begin(), items.end(), list);
    *count = needed;
    return CKR_OK;
}

}  // namespace mynacard::p11
