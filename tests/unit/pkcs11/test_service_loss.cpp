// The PKCS#11 core when the reader service (pcscd) goes away and comes back (issue 8): a provider
// over the in-process simulator whose readers() throws TransportError(NoService) while "pcscd is
// down", and whose transports from before the outage fail with NoService (their handles died with
// pcscd). The shipped module's pcsc-lite side is covered by tests/faults (faults_pcscd_*).
#include <atomic>
#include <memory>
#include <thread>

#include "apdu/errors.h"
#include "tests/conformance/fixture.h"

namespace mynacard::p11test {
namespace {

struct Service {
    std::atomic<bool> down{false};
    std::atomic<unsigned> epoch{0};  // +1 per restart: older transports are dead
    std::atomic<bool> handlesDead{false};  // every transport fails, the listing looks unchanged
};

class EpochTransport : public apdu::Transport {
public:
    EpochTransport(std::shared_ptr<Service> svc, std::unique_ptr<apdu::Transport> inner)
        : svc_(std::move(svc)), epoch_(svc_->epoch), inner_(std::move(inner)) {}
    apdu::Bytes transmit(const apdu::Bytes& c) override { alive(); return inner_->transmit(c); }
    apdu::Bytes atr() const override { return inner_->atr(); }
    std::string readerName() const override { return inner_->readerName(); }
    void beginTransaction() override { alive(); inner_->beginTransaction(); }
    void endTransaction() override { inner_->endTransaction(); }

private:
    void alive() const {
        if (svc_->down || svc_->handlesDead || svc_->epoch != epoch_)
            throw TransportError(TransportError::Kind::NoService, "SCardTransmit: SCARD_E_NO_SERVICE");
    }
    std::shared_ptr<Service> svc_;
    unsigned epoch_;
    std::unique_ptr<apdu::Transport> inner_;
};

class OutageProvider : public p11::ReaderProvider {
public:
    OutageProvider(std::shared_ptr<SimWorld> world, std::shared_ptr<Service> svc)
        : inner_(std::move(world)), svc_(std::move(svc)) {}
    std::vector<p11::ReaderInfo> readers() override {
        ++calls;
        if (svc_->down) throw TransportError(TransportError::Kind::NoService, "SCARD_E_NO_SERVICE");
        auto out = inner_.readers();
        for (auto& r : out) r.eventCounter |= svc_->epoch << 16;  // as the pcsc provider does
        return out;
    }
    std::unique_ptr<apdu::Transport> connect(const std::string& reader) override {
        if (svc_->down) throw TransportError(TransportError::Kind::NoService, "SCARD_E_NO_SERVICE");
        return std::make_unique<EpochTransport>(svc_, inner_.connect(reader));
    }
    bool waitForChange(int timeoutMs) override {
        if (svc_->down) throw TransportError(TransportError::Kind::NoService, "SCARD_E_NO_SERVICE");
        return inner_.waitForChange(timeoutMs);
    }
    void cancel() override { inner_.cancel(); }
    static inline std::atomic<int> calls{0};

private:
    SimReaderProvider inner_;
    std::shared_ptr<Service> svc_;
};

struct OutageFixture : Fixture {
    std::shared_ptr<Service> svc = std::make_shared<Service>();
    OutageFixture() : Fixture(true, false) {
        auto w = world;
        auto s = svc;
        p11::setHooks({[w, s] { return std::make_unique<OutageProvider>(w, s); },
                       &p11::makeJpkiCardAccess});
        REQUIRE(f->C_Initialize(nullptr) == CKR_OK);
    }
    CK_ULONG tokens() {
        CK_ULONG n = 99;
        REQUIRE(f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
        return n;
    }
    void signsAndVerifies(CK_SLOT_ID slot, const std::string& pin) {
        CK_SESSION_HANDLE h = open(slot);
        login(h, pin);
        apdu::Bytes data{'r', 'e', 'c'};
        auto sig = sign(h, CKM_SHA256_RSA_PKCS, data);
        CHECK(verifyWithCertificate(userCertificate(h), CKM_SHA256_RSA_PKCS, data, sig));
        REQUIRE(f->C_CloseSession(h) == CKR_OK);
    }
};

}  // namespace

TEST_CASE("pcscd gone: tokens and sessions go away cleanly, and come back", "[pkcs11][service]") {
    OutageFixture fx;
    auto& f = fx.f;
    REQUIRE(fx.tokens() == 2);
    CK_SESSION_HANDLE auth = fx.open(0), sign = fx.open(1);
    fx.login(auth, "1234");
    fx.login(sign, "ABC123");
    CK_OBJECT_HANDLE key = fx.privateKey(sign);
    CK_SLOT_ID slot = 99;
    while (f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_OK) {
    }

    fx.svc->down = true;
    const std::size_t apdus = fx.apdus();
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK(f->C_SignInit(sign, &m, key) == CKR_DEVICE_REMOVED);
    CK_SESSION_INFO info;
    CHECK(f->C_GetSessionInfo(sign, &info) == CKR_SESSION_HANDLE_INVALID);
    CHECK(f->C_GetSessionInfo(auth, &info) == CKR_SESSION_HANDLE_INVALID);
    CHECK(fx.tokens() == 0);
    CK_SESSION_HANDLE h = 0;
    CHECK(f->C_OpenSession(1, CKF_SERIAL_SESSION, nullptr, nullptr, &h) == CKR_TOKEN_NOT_PRESENT);
    // Both slots of the reader report the change; then there is nothing more to report.
    CHECK(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_OK);
    CHECK(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_OK);
    CHECK(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_NO_EVENT);
    CHECK(fx.apdus() == apdus);  // nothing reached the card

    // A blocking wait neither spins nor fails while the provider is down (sleeps ~200 ms a round).
    OutageProvider::calls = 0;
    std::atomic<CK_RV> rv{CKR_GENERAL_ERROR};
    std::thread waiter([&] { CK_SLOT_ID s = 0; rv = f->C_WaitForSlotEvent(0, &s, nullptr); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    CHECK(OutageProvider::calls <= 10);
    fx.svc->epoch++;
    fx.svc->down = false;
    waiter.join();
    CHECK(rv == CKR_OK);

    REQUIRE(fx.tokens() == 2);
    fx.signsAndVerifies(1, "ABC123");
    fx.signsAndVerifies(0, "1234");
}

TEST_CASE("pcscd gone during an operation: CKR_DEVICE_REMOVED, then a new session signs",
          "[pkcs11][service]") {
    OutageFixture fx;
    auto& f = fx.f;
    CK_SESSION_HANDLE sign = fx.open(1);
    fx.login(sign, "ABC123");
    CK_OBJECT_HANDLE key = fx.privateKey(sign);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE(f->C_SignInit(sign, &m, key) == CKR_OK);
    // pcscd died under the operation before the listing shows anything: the card handle fails
    // with NoService. That is a removal (the card session is gone), not a device error.
    fx.svc->handlesDead = true;
    apdu::Bytes data{'x'}, sig(512);
    CK_ULONG len = sig.size();
    CHECK(f->C_Sign(sign, data.data(), data.size(), sig.data(), &len) == CKR_DEVICE_REMOVED);
    fx.svc->handlesDead = false;
    fx.svc->epoch++;  // pcscd is back
    CK_SESSION_INFO info;
    CHECK(f->C_GetSessionInfo(sign, &info) == CKR_SESSION_HANDLE_INVALID);
    fx.signsAndVerifies(1, "ABC123");
}

}  // namespace mynacard::p11test
