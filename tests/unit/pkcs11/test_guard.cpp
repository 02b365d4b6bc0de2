#include <catch2/catch.hpp>
#include <new>

#include "apdu/errors.h"
#include "pkcs11/guard.h"

using namespace mynacard;
using namespace mynacard::p11;

namespace {
template <typename E>
CK_RV mapped(E e) {
    return guard("test", [&]() -> CK_RV { throw e; });
}
}  // namespace

TEST_CASE("the guard maps every error type to a CK_RV and never throws", "[guard]") {
    CHECK(guard("ok", [] { return CKR_OK; }) == CKR_OK);
    CHECK(mapped(P11Error(CKR_SLOT_ID_INVALID)) == CKR_SLOT_ID_INVALID);
    CHECK(mapped(PinError(PinError::Kind::Incorrect, "x", 2)) == CKR_PIN_INCORRECT);
    CHECK(mapped(PinError(PinError::Kind::Blocked, "x", 0)) == CKR_PIN_LOCKED);
    CHECK(mapped(PinError(PinError::Kind::NotLoggedIn, "x")) == CKR_USER_NOT_LOGGED_IN);
    CHECK(mapped(TransportError(TransportError::Kind::CardRemoved, "x")) == CKR_DEVICE_REMOVED);
    CHECK(mapped(TransportError(TransportError::Kind::NoCard, "x")) == CKR_DEVICE_REMOVED);
    CHECK(mapped(TransportError(TransportError::Kind::CommunicationFailed, "x")) == CKR_DEVICE_ERROR);
    CHECK(mapped(CardStatusError(0x6F00, "x")) == CKR_DEVICE_ERROR);
    CHECK(mapped(ProtocolError("x")) == CKR_DEVICE_ERROR);
    CHECK(mapped(std::bad_alloc()) == CKR_HOST_MEMORY);
    CHECK(mapped(std::runtime_error("x")) == CKR_GENERAL_ERROR);
    CHECK(mapped(42) == CKR_GENERAL_ERROR);
}
