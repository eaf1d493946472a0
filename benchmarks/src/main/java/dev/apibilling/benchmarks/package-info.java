/**
 * JMH benchmarks of apibilling side by side with Bucket4j, and {@link dev.apibilling.benchmarks.Suite}, the
 * runner that prints them as ratios. Not a library: nothing here is API.
 */
@NullMarked
package dev.apibilling.benchmarks;

import org.jspecify.annotations.NullMarked;
