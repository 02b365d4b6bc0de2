// The module's OpenSSL work in its own library context (issue 13 defect 10). A host process may
// load a PKCS#11 provider or run FIPS-only in OpenSSL's default context; the module must neither
// recurse into it nor be refused by it. Here the default context holds only the "null" provider
// (which can do nothing), and the module still logs in, signs and digests. Its own binary: the
// null provider changes process-wide state that other tests must not inherit.
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {

// Makes `ctx` the calling thread's default library context for one scope.
class DefaultLibctx {
public:
    explicit DefaultLibctx(OSSL_LIB_CTX* ctx) : previous_(OSSL_LIB_CTX_set0_default(ctx)) {}
    ~DefaultLibctx() { OSSL_LIB_CTX_set0_default(previous_); }
    DefaultLibctx(const DefaultLibctx&) = delete;
    DefaultLibctx& operator=(const DefaultLibctx&) = delete;

private:
    OSSL_LIB_CTX* previous_;
};

// The simulated card is test machinery in the same process and thread: it signs with its own
// working context, switched in around each exchange, so only the module meets the null provider.
OSSL_LIB_CTX* simulatorLibctx() {
    static OSSL_LIB_CTX* ctx = [] {
        OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
        if (c && !OSSL_PROVIDER_load(c, "default")) c = nullptr;
        return c;
    }();
    return ctx;
}

class SimLibctxTransport : public ForwardingTransport {
public:
    using ForwardingTransport::ForwardingTransport;
    apdu::Bytes transmit(const apdu::Bytes& command) override {
        DefaultLibctx use(simulatorLibctx());
        return inner_->transmit(command);
    }
};

// Loading "null" explicitly keeps OpenSSL from loading the default provider implicitly, so every
// fetch from the default context fails from here on.
void disableDefaultLibctx() {
    static OSSL_PROVIDER* nullProvider = OSSL_PROVIDER_load(nullptr, "null");
    REQUIRE(nullProvider != nullptr);
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD_free(md);
    REQUIRE(md == nullptr);  // else this test would prove nothing
}

const apdu::Bytes kMessage{'l', 'i', 'b', 'c', 't', 'x'};

}  // namespace

TEST_CASE("login, C_Sign and C_Digest work while the default OpenSSL context can do nothing",
          "[libctx]") {
    REQUIRE(simulatorLibctx() != nullptr);
    disableDefaultLibctx();
    std::unique_ptr<Fixture> fx;
    {
        DefaultLibctx use(simulatorLibctx());  // the simulator builds its keys and certificates
        fx = std::make_unique<Fixture>(true, false);
    }
    std::shared_ptr<SimWorld> world = fx->world;
    p11::setHooks({[world] { return std::make_unique<WrappedSimReaderProvider<SimLibctxTransport>>(world); },
                   &p11::makeJpkiCardAccess});
    REQUIRE(fx->f->C_Initialize(nullptr) == CKR_OK);

    for (CK_SLOT_ID slot : {CK_SLOT_ID{0}, CK_SLOT_ID{1}}) {
        INFO("slot " << slot);
        CK_SESSION_HANDLE h = fx->open(slot);
        fx->login(h, slot == 0 ? sim::defaultProfile().pinAuth : sim::defaultProfile().pinSign);
        const apdu::Bytes sig = fx->sign(h, CKM_SHA256_RSA_PKCS, kMessage);
        const apdu::Bytes cert = fx->userCertificate(h);

        CK_MECHANISM m{CKM_SHA256, nullptr, 0};
        REQUIRE(fx->f->C_DigestInit(h, &m) == CKR_OK);
        apdu::Bytes digest(32);
        CK_ULONG len = digest.size();
        REQUIRE(fx->f->C_Digest(h, (CK_BYTE_PTR)kMessage.data(), kMessage.size(), digest.data(),
                                &len) == CKR_OK);
        digest.resize(len);

        // Checked with a working context: the signature verifies, the digest is SHA-256.
        DefaultLibctx use(simulatorLibctx());
        CHECK(verifyWithCertificate(cert, CKM_SHA256_RSA_PKCS, kMessage, sig));
        apdu::Bytes expected(32);
        unsigned int n = 0;
        REQUIRE(EVP_Digest(kMessage.data(), kMessage.size(), expected.data(), &n, EVP_sha256(),
                           nullptr) == 1);
        CHECK(digest == expected);
    }
    // Every other digest mechanism fetches its hash the same way.
    CK_SESSION_HANDLE h = fx->open(0);
    for (CK_MECHANISM_TYPE mech : {CKM_SHA_1, CKM_SHA224, CKM_SHA384, CKM_SHA512}) {
        INFO("mechanism " << mech);
        CK_MECHANISM m{mech, nullptr, 0};
        REQUIRE(fx->f->C_DigestInit(h, &m) == CKR_OK);
        CK_ULONG len = 0;
        CHECK(fx->f->C_Digest(h, (CK_BYTE_PTR)kMessage.data(), kMessage.size(), nullptr, &len) ==
              CKR_OK);
        apdu::Bytes digest(len);
        CHECK(fx->f->C_Digest(h, (CK_BYTE_PTR)kMessage.data(), kMessage.size(), digest.data(),
                              &len) == CKR_OK);
        CHECK(len >= 20);
    }
}
