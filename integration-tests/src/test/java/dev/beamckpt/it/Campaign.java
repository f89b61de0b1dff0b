package dev.beamckpt.it;

/**
 * How hard the kill tests push: a few SIGKILLs per path in CI, as many as {@code -Dcampaign.kills=N}
 * asks for in the long form (README, Fault campaign: {@code -Dcampaign.kills=30}).
 */
final class Campaign {
  private Campaign() {}

  /** The SIGKILLs a kill test makes: {@code ciDefault}, or the number the long form asks for. */
  static int kills(int ciDefault) {
    return Integer.getInteger("campaign.kills", ciDefault);
  }
}
