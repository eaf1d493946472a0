/**
 * apibilling: plan-based quotas and exact usage billing. Start at {@link dev.apibilling.ApiBilling}.
 */
@NullMarked
package dev.apibilling;

import org.jspecify.annotations.NullMarked;
