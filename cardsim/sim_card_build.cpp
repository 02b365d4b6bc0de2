// The Profile-only constructor lives apart so that code supplying its own CardData (unit tests
// with a fake) does not pull buildCardData into its link.
#include "cardsim/sim_card.h"

namespace mynacard::sim {

SimCard::SimCard(Profile profile, std::string statePath)
    : SimCard(profile, buildCardData(profile), std::move(statePath)) {}

}  // namespace mynacard::sim
