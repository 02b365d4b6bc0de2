#include "tools/i18n.h"

#include <cstdlib>
#include <cstring>

namespace mynacard::cli {
namespace {

Lang g_lang = Lang::En;

struct Entry {
    Msg id;
    const char* en;
    const char* ja;
};

// Keep the order of the enum; tr() indexes by value and a test checks that every entry matches.
const Entry kTable[] = {
    {Msg::ErrorPrefix, "error: ", "エラー: "},
    {Msg::NoService, "the PC/SC service (pcscd) is not reachable", "PC/SC サービス (pcscd) に接続できません"},
    {Msg::NoReader, "no smart-card reader found", "カードリーダーが見つかりません"},
    {Msg::NoReaderNamed, "no reader matches '{}'", "'{}' に一致するカードリーダーがありません"},
    {Msg::NoCard, "no card in the reader (use --wait to wait for one)",
     "カードリーダーにカードがありません (--wait で待機できます)"},
    {Msg::WaitingForCard, "Insert your My Number Card into '{}'...",
     "マイナンバーカードを '{}' に挿入してください..."},
    {Msg::WaitTimeout, "no card was inserted in time", "時間内にカードが挿入されませんでした"},
    {Msg::NotMyNumberCard, "this card is not a My Number Card", "このカードはマイナンバーカードではありません"},
    {Msg::WrongPin, "wrong {}", "{}が違います"},
    {Msg::TriesLeft, "{} tries left", "残り {} 回"},
    {Msg::Blocked, "the {} is blocked (a blocked secret is never sent to the card)",
     "{}はロックされています (ロックされた暗証番号はカードに送信しません)"},
    {Msg::BlockedAdvice,
     "to unblock it, go to the municipal office (市区町村の窓口) with the card",
     "ロックの解除はカードを持って市区町村の窓口で行ってください"},
    {Msg::FinalTryRefused,
     "only one try is left for the {}; nothing was sent. Re-run with --allow-final-try if you are sure",
     "{}の残り回数が 1 回です。何も送信していません。確実な場合は --allow-final-try を付けて再実行してください"},
    {Msg::InvalidSecret, "invalid input (nothing was sent, no try was used): {}",
     "入力が不正です (カードには送信しておらず、回数は減っていません): {}"},
    {Msg::NotLoggedIn, "the card forgot the verified {} (another application used the card); run the command again",
     "カードの{}の認証状態が解除されました (他のアプリがカードを使用)。もう一度実行してください"},
    {Msg::CardError, "the card refused the operation: {}", "カードが操作を拒否しました: {}"},
    {Msg::ProtocolFailure, "unexpected answer from the card: {}", "カードからの応答が不正です: {}"},
    {Msg::VerificationFailed, "verification failed: {}", "検証に失敗しました: {}"},
    {Msg::VerificationNotDone, "the issuer signature is not verified: {}", "発行者の署名は検証されていません: {}"},
    {Msg::Verified, "verified", "検証済み"},
    {Msg::NotVerified, "NOT verified", "未検証"},
    {Msg::NoTerminal, "no terminal to ask for the {}: use --pin-env VAR or --pin-file FILE",
     "{}を入力する端末がありません: --pin-env VAR または --pin-file FILE を使ってください"},
    {Msg::PromptPin, "Enter the {} ({}): ", "{}を入力してください ({}): "},
    {Msg::PromptNewPin, "Enter the new {} ({}): ", "新しい{}を入力してください ({}): "},
    {Msg::PromptNewPinAgain, "Enter the new {} again: ", "新しい{}をもう一度入力してください: "},
    {Msg::NewPinMismatch, "the two new values differ; nothing was sent", "新しい値が一致しません。何も送信していません"},
    {Msg::PromptBirthDate, "Birth date as printed on the card, era year, YYMMDD (e.g. 昭和55年2月17日 → 550217): ",
     "カードに印字された生年月日 (和暦 YYMMDD、例: 昭和55年2月17日 → 550217): "},
    {Msg::PromptExpiryYear, "Expiry year printed on the card (YYYY, \"…まで有効\"): ",
     "カードの有効期限の年 (西暦 YYYY、「…まで有効」): "},
    {Msg::PromptSecurityCode, "Security code under the photo (4 digits): ",
     "顔写真の下のセキュリティコード (4 桁): "},
    {Msg::PromptCollationA, "Enter the My Number (照合番号A, 12 digits): ",
     "個人番号を入力してください (照合番号A、12 桁): "},
    {Msg::ResidentCodeNote,
     "note: the use of the 住民票コード is restricted by law (住民基本台帳法) to 住基ネット duties",
     "注意: 住民票コードの利用は住民基本台帳法により制限されています"},
    {Msg::ResidentCodeUnavailable, "住民票コード not available on this card: {}",
     "このカードからは住民票コードを取得できません: {}"},
    {Msg::PinChanged, "the {} was changed", "{}を変更しました"},
    {Msg::Unavailable, "not available", "なし"},
    {Msg::Unknown, "unknown", "不明"},
    {Msg::SignatureOk, "signature OK", "署名は正しいです"},
};

bool startsWithJa(const char* v) { return v != nullptr && std::strncmp(v, "ja", 2) == 0; }
bool nonEmpty(const char* v) { return v != nullptr && *v != '\0'; }

std::string fill(std::string s, const std::string* args, std::size_t n) {
    std::size_t pos = 0;
    for (std::size_t i = 0; i < n; ++i) {
        pos = s.find("{}", pos);
        if (pos == std::string::npos) break;
        s.replace(pos, 2, args[i]);
        pos += args[i].size();
    }
    return s;
}

}  // namespace

Lang detectLanguage(const char* lcAll, const char* lcMessages, const char* lang) {
    for (const char* v : {lcAll, lcMessages, lang})
        if (nonEmpty(v)) return startsWithJa(v) ? Lang::Ja : Lang::En;
    return Lang::En;
}

Lang detectLanguageFromEnvironment() {
    return detectLanguage(std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
}

void setLanguage(Lang lang) { g_lang = lang; }
Lang language() { return g_lang; }

const char* tr(Msg id) {
    const Entry& e = kTable[static_cast<int>(id)];
    return g_lang == Lang::Ja ? e.ja : e.en;
}

std::string trf(Msg id, const std::string& a) { return fill(tr(id), &a, 1); }
std::string trf(Msg id, const std::string& a, const std::string& b) {
    const std::string args[2] = {a, b};
    return fill(tr(id), args, 2);
}

// Used by the unit test to prove that the table follows the enum.
bool i18nTableConsistent() {
    for (std::size_t i = 0; i < sizeof kTable / sizeof kTable[0]; ++i)
        if (static_cast<std::size_t>(kTable[i].id) != i) return false;
    return static_cast<std::size_t>(Msg::SignatureOk) + 1 == sizeof kTable / sizeof kTable[0];
}

}  // namespace mynacard::cli
