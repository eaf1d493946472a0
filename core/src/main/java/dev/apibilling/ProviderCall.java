package dev.apibilling;

/**
 * Credits reserved at an upstream provider for one outbound call: settle them with
 * {@link ProviderBudgets#commit}, {@link ProviderBudgets#release} or {@link ProviderBudgets#exhausted}.
 *
 * @param provider the provider chosen, one of the budgets' providers
 * @param reservation the credits held on the provider's quotas
 */
public record ProviderCall(String provider, Reservation reservation) {}
