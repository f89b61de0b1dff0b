package dev.beamckpt.it;

/**
 * How hard the kill tests push: a few SIGKILLs per path in CI, as many as {@code -Dcampaign.kills=N}
 * asks for in the long form ({@code mvn test -pl integration-tests -Pfault-campaign}: the classes
 * tagged {@link #TAG}, 30 kills each; README, Fault campaign).
 */
final class Campaign {
  /** The tag of the classes whose kills scale with {@code campaign.kills}. */
  static final String TAG = "fault-campaign";

  private Campaign() {}

  /** The SIGKILLs a kill test makes: {@code ciDefault}, or the number the long form asks for. */
  static int kills(int ciDefault) {
    return Integer.getInteger("campaign.kills", ciDefault);
  }
}
