#include "apdu/my_number.h"

namespace mynacard::apdu {

namespace {
bool allDigits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}
}  // namespace

// Spec §15: P1..P11 numbered from the right (P1 = 11th digit); Qn = n+1 for n <= 6, n-5 after;
// r = sum(Pn*Qn) mod 11; check digit = 0 when r <= 1, else 11 - r.
int myNumberCheckDigit(std::string_view first11) {
    if (first11.size() != 11 || !allDigits(first11)) return -1;
    int sum = 0;
    for (int n = 1; n <= 11; ++n) {
        int p = first11[11 - n] - '0';
        int q = n <= 6 ? n + 1 : n - 5;
        sum += p * q;
    }
    int r = sum % 11;
    return r <= 1 ? 0 : 11 - r;
}

bool isValidMyNumber(std::string_view number) {
    if (number.size() != 12 || !allDigits(number)) return false;
    return myNumberCheckDigit(number.substr(0, 11)) == number[11] - '0';
}

}  // namespace mynacard::apdu
