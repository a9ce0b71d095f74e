-- Reverse of 008: drop the product check and the product catalog.
DROP FUNCTION IF EXISTS public.api_key_can_use_product(uuid, text);
DROP TABLE IF EXISTS public.api_products;
